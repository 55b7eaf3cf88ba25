// SPDX-License-Identifier: MIT
#include <nettrace/common/tool/standard_options.hpp>

#include <nettrace/common/cli/option_values.hpp>

#include <boost/program_options.hpp>
#include <fmt/format.h>

namespace po = boost::program_options;

namespace nettrace {

void add_standard_options(po::options_description &options, StandardOptions &values, unsigned which)
{
	if (which & standard_option::interval)
		options.add_options()("interval,i",
				      seconds_value(&values.interval)->value_name("SECONDS"),
				      values.interval_help);
	if (which & standard_option::json)
		options.add_options()("json", po::bool_switch(&values.json), values.json_help);
	if (which & standard_option::limits)
		add_run_limit_options(options, values.limits, values.count_help);
	if (which & standard_option::verbose)
		options.add_options()("verbose,v", po::bool_switch(&values.verbose),
				      values.verbose_help);
}

void check_standard_options(const po::variables_map &vm, const StandardOptions &values)
{
	// The parser checked what was typed; this, what a command set itself.
	if (vm.count("interval") &&
	    !(values.interval >= kMinSeconds && values.interval <= kMaxSeconds))
		throw UsageError(
			fmt::format("--interval: must be a number of seconds from {} to {:.0f}",
				    kMinSeconds, kMaxSeconds));
	check_run_limits(vm, values.limits);
}

} // namespace nettrace
