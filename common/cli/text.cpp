// SPDX-License-Identifier: MIT
#include <nettrace/common/cli/text.hpp>
#include <nettrace/common/cli/text_match.hpp>

#include <fmt/format.h>

namespace nettrace {

std::string_view trim(std::string_view text)
{
	const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
	while (!text.empty() && space(text.front()))
		text.remove_prefix(1);
	while (!text.empty() && space(text.back()))
		text.remove_suffix(1);
	return text;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix)
{
	return text.size() >= prefix.size() &&
	       equals_ignoring_case(text.substr(0, prefix.size()), prefix);
}

std::string quoted_value(std::string_view text)
{
	std::string out = "'";
	for (unsigned char c : text) {
		if (c < 0x20 || c >= 0x7f || c == '\\')
			out += fmt::format("\\x{:02x}", c);
		else
			out += static_cast<char>(c);
	}
	out += '\'';
	return out;
}

bool is_decimal(std::string_view text)
{
	if (text.empty())
		return false;
	for (char c : text)
		if (c < '0' || c > '9')
			return false;
	return true;
}

std::vector<std::string> wrap_words(std::string_view text, std::size_t width)
{
	std::vector<std::string> lines;
	std::string line;
	while (!text.empty()) {
		const auto start = text.find_first_not_of(' ');
		if (start == std::string_view::npos)
			break;
		text.remove_prefix(start);
		const std::string_view word = text.substr(0, text.find(' '));
		text.remove_prefix(word.size());
		if (!line.empty() && line.size() + 1 + word.size() > width) {
			lines.push_back(std::move(line));
			line.clear();
		}
		if (!line.empty())
			line += ' ';
		line += word;
	}
	if (!line.empty() || lines.empty())
		lines.push_back(std::move(line));
	return lines;
}

} // namespace nettrace
