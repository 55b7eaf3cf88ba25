// SPDX-License-Identifier: MIT
#include <nettrace/common/cli/text.hpp>
#include <nettrace/common/cli/text_match.hpp>

#include <fmt/format.h>

#include <vector>

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

namespace {

std::string list_of_names(const std::vector<std::string_view> &names)
{
	if (names.empty())
		return {};
	// Past a few, a list would not fit a line: name what they share.
	constexpr std::size_t kListed = 3;
	if (names.size() > kListed) {
		std::string_view common = names.front();
		for (const std::string_view name : names) {
			std::size_t n = 0;
			while (n < common.size() && n < name.size() && common[n] == name[n])
				++n;
			common = common.substr(0, n);
		}
		return fmt::format("; did you mean one of {}* ({} names)?", common, names.size());
	}
	std::string text = "; did you mean ";
	for (std::size_t i = 0; i < names.size(); ++i) {
		if (i > 0)
			text += i + 1 == names.size() ? " or " : ", ";
		text += names[i];
	}
	return text + "?";
}

} // namespace

std::string did_you_mean(const std::vector<std::string_view> &names)
{
	return list_of_names(names);
}

std::string did_you_mean(const std::vector<std::string> &names)
{
	return list_of_names(std::vector<std::string_view>(names.begin(), names.end()));
}

std::string see_help(std::string_view command)
{
	return fmt::format(" (see '{} -h')", command);
}

} // namespace nettrace
