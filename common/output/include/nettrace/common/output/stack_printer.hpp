// SPDX-License-Identifier: MIT
// A kernel stack as every reporter shows it: from the first frame worth
// showing (first_shown_frame), each frame's text from a FrameNames cache,
// as indented lines of text or as a JSON array of strings. A drop storm
// repeats a few stacks: the text of each is kept whole, so a stack seen
// before costs a hash and a comparison, not a lookup per frame.
#pragma once

#include <nettrace/common/output/stack_frames.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <linux/types.h>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace nettrace {

class StackPrinter {
public:
	// `names` must outlive this; `indent` goes before each frame of text().
	StackPrinter(FrameNames &names, std::string_view indent);

	// `stack` holds `frames` return addresses, innermost first; `location`
	// is the drop site when known (0 if not). One line per frame shown.
	void text(fmt::memory_buffer &out, std::uint64_t location, const __u64 *stack,
		  std::size_t frames);
	// The same frames, each a string.
	nlohmann::ordered_json json(std::uint64_t location, const __u64 *stack, std::size_t frames);
	// One return address as text, valid until the next call on this printer.
	std::string_view frame(std::uint64_t address);

private:
	std::size_t first_shown(std::uint64_t location, const __u64 *stack,
				std::size_t frames) const;

	// A stack's text, under the hash of its drop site and frames; the
	// frames are kept to compare, so a hash collision never shows another
	// stack's text.
	struct StackText {
		std::uint64_t location = 0;
		std::vector<__u64> frames;
		std::string text;
	};
	// Enough for the distinct stacks of any storm; past it, all are
	// forgotten and kept again as they come.
	static constexpr std::size_t max_stack_texts = 1024;

	FrameNames &names_;
	std::string indent_;
	fmt::memory_buffer scratch_;
	std::unordered_map<std::uint64_t, StackText> stack_texts_;
	std::uint64_t stack_texts_generation_ = 0; // of the symbols they were written from
};

} // namespace nettrace
