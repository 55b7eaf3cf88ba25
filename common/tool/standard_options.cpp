// SPDX-License-Identifier: MIT
#include <nettrace/common/tool/standard_options.hpp>

#include <boost/program_options.hpp>

namespace po = boost::program_options;

namespace nettrace {

void add_standard_options(po::options_description &options, StandardOptions &values, unsigned which)
{
	if (which & standard_option::interval)
		options.add_options()("interval,i",
				      po::value(&values.interval)->value_name("SECONDS"),
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
	// Below a millisecond the loop would do nothing but print.
	if (vm.count("interval") && !(values.interval >= 0.001))
		throw UsageError("--interval: must be at least 0.001 seconds");
	check_run_limits(vm, values.limits);
}

} // namespace nettrace
