// SPDX-License-Identifier: MIT
// nettrace skbstat as the tests run it, and the totals they read from
// its --json intervals.
#pragma once

#include "tracer_run.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nettrace::test {

// nettrace skbstat in the background; ready once it says what attached.
class SkbstatRun : public TracerRun {
public:
	explicit SkbstatRun(std::vector<std::string> args, const std::string &out_file = {})
	    : TracerRun(command(std::move(args)), "nettrace skbstat: attached", true, out_file)
	{
	}

private:
	static std::vector<std::string> command(std::vector<std::string> args)
	{
		args.insert(args.begin(), "skbstat");
		return args;
	}
};

// Counts per point over all intervals, from --json output.
inline std::map<std::string, std::uint64_t>
point_totals(const std::vector<nlohmann::json> &intervals, const char *section)
{
	std::map<std::string, std::uint64_t> totals;
	for (const nlohmann::json &i : intervals)
		for (const nlohmann::json &row : i.value(section, nlohmann::json::array()))
			totals[row["point"]] += row["count"].get<std::uint64_t>();
	return totals;
}

// Drop (or consume) counts over all intervals, per reason and first frame.
inline std::map<std::string, std::uint64_t>
stack_totals(const std::vector<nlohmann::json> &intervals, const char *section)
{
	std::map<std::string, std::uint64_t> totals;
	for (const nlohmann::json &i : intervals)
		for (const nlohmann::json &row : i.value(section, nlohmann::json::array())) {
			// No reason (null) on kernels before 5.17.
			const auto reason = row.find("reason");
			std::string key = reason != row.end() && reason->is_string()
						  ? reason->get<std::string>()
						  : std::string("-");
			const auto &stack = row["stack"];
			const std::string top = stack.empty() ? "?" : stack[0].get<std::string>();
			key += " " + top.substr(0, top.find('+'));
			totals[key] += row["count"].get<std::uint64_t>();
		}
	return totals;
}

} // namespace nettrace::test
