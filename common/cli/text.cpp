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

} // namespace nettrace
