// SPDX-License-Identifier: MIT
#include <nettrace/common/output/stack_printer.hpp>

namespace nettrace {

StackPrinter::StackPrinter(FrameNames &names, std::string_view indent)
    : names_(names), indent_(indent)
{
}

std::size_t StackPrinter::first_shown(std::uint64_t location, const __u64 *stack,
				      std::size_t frames) const
{
	return first_shown_frame(names_.symbols().table(), location, stack, frames);
}

void StackPrinter::text(fmt::memory_buffer &out, std::uint64_t location, const __u64 *stack,
			std::size_t frames)
{
	for (std::size_t i = first_shown(location, stack, frames); i < frames; ++i) {
		out.append(indent_);
		names_.append_return_address(out, stack[i]);
		out.push_back('\n');
	}
}

nlohmann::ordered_json StackPrinter::json(std::uint64_t location, const __u64 *stack,
					  std::size_t frames)
{
	auto list = nlohmann::ordered_json::array();
	for (std::size_t i = first_shown(location, stack, frames); i < frames; ++i)
		list.push_back(frame(stack[i]));
	return list;
}

std::string_view StackPrinter::frame(std::uint64_t address)
{
	scratch_.clear();
	names_.append_return_address(scratch_, address);
	return {scratch_.data(), scratch_.size()};
}

} // namespace nettrace
