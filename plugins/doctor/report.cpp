// SPDX-License-Identifier: MIT
#include "report.hpp"

#include <nettrace/common/cli/text.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace nettrace::doctor {

namespace {

// Keys in the order doctor(8) lists them, not sorted.
using json = nlohmann::ordered_json;

const Status all_statuses[] = {Status::Ok, Status::Degraded, Status::Missing};

// Text lines fit a terminal: a long detail goes on under its own column,
// never under the names. However wide the names, some room is left.
constexpr std::size_t line_width = 80;
constexpr std::size_t min_text_width = 30;

// `text` from column `column`, after `first` on the first line (padded to
// the column) and after spaces on the next ones.
void print_wrapped(std::FILE *out, const std::string &first, std::size_t column,
		   const std::string &text)
{
	const std::size_t width =
		std::max(min_text_width, line_width > column ? line_width - column : 0);
	const std::vector<std::string> lines = wrap_words(text, width);
	fmt::print(out, "{:<{}}{}\n", first, column, lines.front());
	for (std::size_t i = 1; i < lines.size(); ++i)
		fmt::print(out, "{:{}}{}\n", "", column, lines[i]);
}

std::string lower(const char *s)
{
	std::string out(s);
	std::transform(out.begin(), out.end(), out.begin(),
		       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
	return out;
}

// "runs fully", "runs without function rows", "cannot run: ...".
std::string verdict_text(const PluginVerdict &v)
{
	if (!v.checked)
		return v.findings.empty() ? "cannot be checked" : v.findings.front().detail;
	if (v.status == Status::Ok)
		return "runs fully";
	std::string lost;
	for (const Finding &f : v.findings)
		if (f.status == v.status)
			lost += (lost.empty() ? "" : ", ") + f.name.substr(v.name.size() + 2);
	return fmt::format("{}: {}", v.status == Status::Degraded ? "runs degraded" : "cannot run",
			   lost);
}

json finding_json(const Finding &f)
{
	json j = {{"name", f.name}, {"status", lower(status_name(f.status))}, {"detail", f.detail}};
	if (!f.fix.empty())
		j["fix"] = f.fix;
	if (!f.error.empty())
		j["errno"] = f.error;
	return j;
}

} // namespace

const char *status_name(Status s)
{
	switch (s) {
	case Status::Ok:
		return "OK";
	case Status::Degraded:
		return "DEGRADED";
	case Status::Missing:
		return "MISSING";
	}
	return "?";
}

int exit_code(const Diagnosis &d)
{
	for (const PluginVerdict &v : d.plugins)
		if (!v.checked || v.status != Status::Ok)
			return 1;
	return 0;
}

void print_text(std::FILE *out, const Diagnosis &d)
{
	std::size_t width = 0;
	for (const Finding &f : d.checks)
		width = std::max(width, f.name.size());
	for (const PluginVerdict &v : d.plugins)
		width = std::max(width, v.name.size());
	fmt::print(out, "nettrace doctor: kernel {} ({})\n", d.release, d.machine);
	for (const Status s : all_statuses) {
		bool any = false;
		for (const Finding &f : d.checks) {
			if (f.status != s)
				continue;
			if (!any)
				fmt::print(out, "\n{}\n", status_name(s));
			any = true;
			const std::size_t column = 2 + width + 2;
			print_wrapped(out, "  " + f.name, column, f.detail);
			if (!f.fix.empty())
				print_wrapped(out, "", column, "fix: " + f.fix);
		}
	}
	if (d.plugins.empty())
		return;
	fmt::print(out, "\nPLUGINS\n");
	for (const PluginVerdict &v : d.plugins)
		print_wrapped(out,
			      fmt::format("  {:<{}}  {:<8}  ", v.name, width,
					  v.checked ? status_name(v.status) : "UNKNOWN"),
			      2 + width + 2 + 8 + 2, verdict_text(v));
}

void print_json(std::FILE *out, const Diagnosis &d)
{
	json checks = json::array();
	for (const Finding &f : d.checks)
		checks.push_back(finding_json(f));
	json plugins = json::array();
	for (const PluginVerdict &v : d.plugins) {
		json findings = json::array();
		for (const Finding &f : v.findings)
			findings.push_back(finding_json(f));
		plugins.push_back({{"name", v.name},
				   {"file", v.file},
				   {"version", v.version},
				   {"abi", fmt::format("{}.{}", v.abi_major, v.abi_minor)},
				   {"checked", v.checked},
				   {"status", v.checked ? lower(status_name(v.status)) : "unknown"},
				   {"verdict", verdict_text(v)},
				   {"findings", findings}});
	}
	const json doc = {{"kernel", {{"release", d.release}, {"machine", d.machine}}},
			  {"checks", checks},
			  {"plugins", plugins},
			  {"exit_code", exit_code(d)}};
	fmt::print(out, "{}\n", doc.dump());
}

} // namespace nettrace::doctor
