// SPDX-License-Identifier: MIT
#include "plugin_list.hpp"

#include <nettrace/common/cli/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

namespace nettrace::driver {

namespace {

constexpr std::size_t line_width = 80;
// Narrowest summary column: long names and versions push it right, but
// never so far that each word takes a line.
constexpr std::size_t min_summary_width = 24;
// How far a plugin's file line is indented: less than any summary line,
// so the two cannot be mistaken for each other.
constexpr const char *file_indent = "  ";

} // namespace

void print_plugin_list(std::FILE *out, const PluginCatalog &catalog)
{
	std::size_t name_w = 4, version_w = 7;
	for (const auto &p : catalog.plugins()) {
		name_w = std::max(name_w, p.name.size());
		version_w = std::max(version_w, p.version.size());
	}
	const std::size_t summary_at = name_w + 2 + version_w + 2;
	const std::size_t summary_w =
		std::max(min_summary_width,
			 line_width > summary_at ? line_width - summary_at : std::size_t{0});
	fmt::print(out, "{:<{}}  {:<{}}  {}\n", "NAME", name_w, "VERSION", version_w, "SUMMARY");
	for (const auto &p : catalog.plugins()) {
		const std::vector<std::string> summary = wrap_words(p.summary, summary_w);
		const std::string first = fmt::format("{:<{}}  {:<{}}  {}", p.name, name_w,
						      p.version, version_w, summary.front());
		// No trailing blanks when the summary is empty.
		fmt::print(out, "{}\n", first.substr(0, first.find_last_not_of(' ') + 1));
		for (std::size_t i = 1; i < summary.size(); ++i)
			fmt::print(out, "{:<{}}{}\n", "", summary_at, summary[i]);
		fmt::print(out, "{}{}\n", file_indent, p.file.string());
	}
}

} // namespace nettrace::driver
