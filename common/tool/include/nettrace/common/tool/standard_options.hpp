// SPDX-License-Identifier: MIT
// The options every tracing command spells the same way: -v, --json,
// -c/--count with --duration, and -i/--interval, with one check each.
#pragma once

#include <nettrace/common/cli/command_line.hpp>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include <chrono>

namespace nettrace {

namespace standard_option {
enum : unsigned {
	verbose = 1u << 0,  // -v/--verbose
	json = 1u << 1,     // --json
	limits = 1u << 2,   // -c/--count N, --duration SECONDS
	interval = 1u << 3, // -i/--interval SECONDS
};
} // namespace standard_option

struct StandardOptions {
	bool json = false;
	bool verbose = false;
	RunLimits limits{};
	double interval = 0; // seconds; a command sets its default before parsing

	// What --help says where commands differ.
	const char *verbose_help = "also print libbpf's messages";
	const char *json_help = "one JSON object per line";
	const char *count_help = "exit after N events";
	const char *interval_help = "print every SECONDS";

	std::chrono::nanoseconds interval_duration() const
	{
		return std::chrono::duration_cast<std::chrono::nanoseconds>(
			std::chrono::duration<double>(interval));
	}
};

// Adds the options `which` names (standard_option bits) in the order
// interval, json, limits, verbose; call it once per group to place them
// elsewhere in --help.
void add_standard_options(boost::program_options::options_description &options,
			  StandardOptions &values, unsigned which);
// Throws UsageError (one line, exit 2) for a count of 0, a duration or an
// interval out of range.
void check_standard_options(const boost::program_options::variables_map &vm,
			    const StandardOptions &values);

} // namespace nettrace
