// SPDX-License-Identifier: MIT
#include "report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace nettrace::doctor {

namespace {

const Status all_statuses[] = {Status::Ok, Status::Degraded, Status::Missing};

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

nlohmann::json finding_json(const Finding &f)
{
	nlohmann::json j = {{"name", f.name},
			    {"status", lower(status_name(f.status))},
			    {"detail", f.detail}};
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
			fmt::print(out, "  {:<{}}  {}\n", f.name, width, f.detail);
			if (!f.fix.empty())
				fmt::print(out, "  {:<{}}  fix: {}\n", "", width, f.fix);
		}
	}
	if (d.plugins.empty())
		return;
	fmt::print(out, "\nPLUGINS\n");
	for (const PluginVerdict &v : d.plugins)
		fmt::print(out, "  {:<{}}  {:<8}  {}\n", v.name, width,
			   v.checked ? status_name(v.status) : "UNKNOWN", verdict_text(v));
}

void print_json(std::FILE *out, const Diagnosis &d)
{
	nlohmann::json checks = nlohmann::json::array();
	for (const Finding &f : d.checks)
		checks.push_back(finding_json(f));
	nlohmann::json plugins = nlohmann::json::array();
	for (const PluginVerdict &v : d.plugins) {
		nlohmann::json findings = nlohmann::json::array();
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
	const nlohmann::json doc = {{"kernel", {{"release", d.release}, {"machine", d.machine}}},
				    {"checks", checks},
				    {"plugins", plugins},
				    {"exit_code", exit_code(d)}};
	fmt::print(out, "{}\n", doc.dump());
}

} // namespace nettrace::doctor
