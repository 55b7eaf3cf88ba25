// SPDX-License-Identifier: MIT
#include "exporter_text_pool.hpp"

namespace nettrace::exporter {

std::string TextPool::take()
{
	const std::lock_guard lock(mutex_);
	std::string buffer = std::move(spare_);
	spare_ = std::string();
	buffer.clear();
	return buffer;
}

void TextPool::give_back(std::string text)
{
	const std::lock_guard lock(mutex_);
	if (text.capacity() > spare_.capacity())
		spare_ = std::move(text);
}

std::shared_ptr<const std::string> TextPool::share(std::string text)
{
	std::weak_ptr<TextPool> pool = weak_from_this();
	return std::shared_ptr<const std::string>(
		new std::string(std::move(text)), [pool](const std::string *shared) {
			std::unique_ptr<std::string> owned(const_cast<std::string *>(shared));
			if (const std::shared_ptr<TextPool> alive = pool.lock())
				alive->give_back(std::move(*owned));
		});
}

} // namespace nettrace::exporter
