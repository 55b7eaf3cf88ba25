// SPDX-License-Identifier: MIT
// Small pieces of handling what a user typed or a kernel file holds, shared
// by the option parsers and the kernel tables.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nettrace {

// Without leading and trailing spaces, tabs and line ends.
std::string_view trim(std::string_view text);

// ASCII only, as equals_ignoring_case (text_match.hpp).
bool starts_with_ignoring_case(std::string_view text, std::string_view prefix);

// `text` in single quotes for error messages, with control and non-ASCII
// bytes written as \xNN so that a message stays one printable line.
std::string quoted_value(std::string_view text);

// Only decimal digits, at least one: no sign, space or hex.
bool is_decimal(std::string_view text);

// `text` cut at spaces into lines of at most `width` columns, for output
// that must fit a terminal; a word longer than that gets a line of its own.
// Always at least one line, empty for empty text.
std::vector<std::string> wrap_words(std::string_view text, std::size_t width);

} // namespace nettrace
