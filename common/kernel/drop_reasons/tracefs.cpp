// SPDX-License-Identifier: MIT
// A DropReasons table from the tracefs format of skb:kfree_skb: the
// __print_symbolic list of its reason field. The fallback when the kernel
// has no BTF; it knows core reasons only.
#include "builder.hpp"
#include "sources.hpp"

#include <nettrace/common/kernel/fixes.hpp>
#include <nettrace/common/kernel/paths.hpp>
#include <nettrace/errors.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace nettrace::drop_reasons {

const std::vector<std::string> &default_tracing_dirs()
{
	static const std::vector<std::string> dirs = {
		kernel_paths::tracing_dir,
		kernel_paths::debug_tracing_dir,
	};
	return dirs;
}

DropReasons from_tracefs_format(std::string_view format, std::string origin)
{
	// print fmt: "... reason: %s", ..., __print_symbolic(REC->reason,
	//   { 2, "NOT_SPECIFIED" }, { 3, "NO_SOCKET" }, ..., { 128, "MAX" })
	constexpr std::string_view list_start = "__print_symbolic(REC->reason,";
	const size_t start = format.find(list_start);
	if (start == format.npos)
		throw RuntimeError(fmt::format(
			"{} has no __print_symbolic list for the reason field", origin));

	DropReasonsBuilder table("tracefs", std::move(origin));
	std::string_view rest = format.substr(start + list_start.size());
	for (;;) {
		while (!rest.empty() && (rest.front() == ',' || rest.front() == ' ' ||
					 rest.front() == '\t' || rest.front() == '\n'))
			rest.remove_prefix(1);
		if (rest.empty() || rest.front() != '{')
			break; // the closing parenthesis, or something unknown
		const size_t close = rest.find('}');
		if (close == rest.npos)
			break;
		const std::string_view entry = rest.substr(1, close - 1);
		rest.remove_prefix(close + 1);

		const size_t comma = entry.find(',');
		const size_t open_quote = entry.find('"', comma);
		const size_t close_quote =
			open_quote == entry.npos ? entry.npos : entry.find('"', open_quote + 1);
		if (comma == entry.npos || close_quote == entry.npos)
			continue;
		std::string_view number = trim(entry.substr(0, comma));
		const std::string_view name =
			entry.substr(open_quote + 1, close_quote - open_quote - 1);
		int base = 10;
		if (number.substr(0, 2) == "0x" || number.substr(0, 2) == "0X") {
			number.remove_prefix(2);
			base = 16;
		}
		uint32_t value = 0;
		const auto parsed =
			std::from_chars(number.data(), number.data() + number.size(), value, base);
		// Kernels whose trace event did not resolve an enum name to
		// its value print the name instead: nothing to learn there.
		if (parsed.ec != std::errc() || parsed.ptr != number.data() + number.size())
			continue;
		if (value > DropReasons::reason_mask || is_bound_or_placeholder(name) ||
		    name == "MAX")
			continue;
		// Already without the SKB_DROP_REASON_ prefix, and some
		// reasons start with SKB_ themselves (SKB_CSUM).
		table.add_reason(value, name);
	}
	if (table.table().empty())
		throw RuntimeError(fmt::format("{} lists no numeric drop reason codes",
					       table.table().origin()));
	return table.take();
}

DropReasons from_tracefs(const std::vector<std::string> &tracing_dirs)
{
	std::string tried;
	for (const std::string &dir : tracing_dirs) {
		const std::string path = dir + "/events/skb/kfree_skb/format";
		std::ifstream file(path);
		if (!file) {
			tried += fmt::format("{}{}: {}", tried.empty() ? "" : ", ", path,
					     std::strerror(errno));
			continue;
		}
		std::ostringstream text;
		text << file.rdbuf();
		return from_tracefs_format(text.str(), path);
	}
	throw RuntimeError(fmt::format(
		"no skb:kfree_skb trace event format ({}); is tracefs mounted? ({})",
		tried.empty() ? "no directory to look in" : tried, fix::mount_tracefs()));
}

} // namespace nettrace::drop_reasons
