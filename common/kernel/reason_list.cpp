// SPDX-License-Identifier: MIT
#include <nettrace/common/kernel/reason_list.hpp>

#include <nettrace/common/cli/text.hpp>
#include <nettrace/common/cli/text_match.hpp>
#include <nettrace/errors.hpp>

#include <fmt/format.h>

#include <string>

namespace nettrace {

namespace {

std::vector<std::string_view> split_names(std::string_view option, std::string_view list)
{
	if (trim(list).empty())
		throw UsageError(fmt::format("{}: empty value; give reason names such as NO_SOCKET",
					     option));
	std::vector<std::string_view> names;
	while (true) {
		const auto comma = list.find(',');
		const std::string_view name = trim(list.substr(0, comma));
		if (name.empty())
			throw UsageError(fmt::format("{}: empty reason name in {}", option,
						     quoted_value(list)));
		names.push_back(name);
		if (comma == std::string_view::npos)
			return names;
		list.remove_prefix(comma + 1);
	}
}

} // namespace

std::vector<std::uint32_t> parse_reason_list(const DropReasons &reasons, std::string_view option,
					     std::string_view list)
{
	const std::vector<std::string_view> names = split_names(option, list);
	if (reasons.empty())
		throw RuntimeError(fmt::format("{}: cannot name drop reasons on this kernel: {}",
					       option, reasons.unavailable_reason()));
	std::vector<std::uint32_t> codes;
	for (const std::string_view name : names) {
		const auto code = reasons.code(name);
		if (!code)
			throw UsageError(fmt::format("{}: unknown drop reason {}{}", option,
						     quoted_value(name),
						     did_you_mean(reasons.suggestions(name))));
		codes.push_back(*code);
	}
	return codes;
}

} // namespace nettrace
