// SPDX-License-Identifier: MIT
#include <nettrace/common/output/stack_printer.hpp>

#include <algorithm>

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

namespace {

std::uint64_t stack_hash(std::uint64_t location, const __u64 *stack, std::size_t frames)
{
	// FNV-1a over the addresses, a word at a time: a few ns for a stack.
	std::uint64_t hash = 0xcbf29ce484222325ull ^ location;
	for (std::size_t i = 0; i < frames; ++i)
		hash = (hash ^ stack[i]) * 0x100000001b3ull;
	return hash ^ frames;
}

} // namespace

void StackPrinter::text(fmt::memory_buffer &out, std::uint64_t location, const __u64 *stack,
			std::size_t frames)
{
	if (stack_texts_generation_ != names_.symbols().generation()) {
		stack_texts_.clear();
		stack_texts_generation_ = names_.symbols().generation();
	}
	const std::uint64_t key = stack_hash(location, stack, frames);
	const auto known = stack_texts_.find(key);
	if (known != stack_texts_.end() && known->second.location == location &&
	    std::equal(known->second.frames.begin(), known->second.frames.end(), stack,
		       stack + frames)) {
		out.append(known->second.text);
		return;
	}
	const std::size_t start = out.size();
	bool settled = true;
	for (std::size_t i = first_shown(location, stack, frames); i < frames; ++i) {
		out.append(indent_);
		settled &= names_.append_return_address(out, stack[i]);
		out.push_back('\n');
	}
	// A frame whose text may still change (code loaded after the symbols
	// were read) keeps the whole stack out until it settles.
	if (!settled)
		return;
	if (known == stack_texts_.end() && stack_texts_.size() >= max_stack_texts)
		stack_texts_.clear();
	StackText &kept = stack_texts_[key];
	kept.location = location;
	kept.frames.assign(stack, stack + frames);
	kept.text.assign(out.data() + start, out.size() - start);
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
