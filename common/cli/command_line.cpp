// SPDX-License-Identifier: MIT
#include <nettrace/common/cli/command_line.hpp>
#include <nettrace/common/cli/option_values.hpp>
#include <nettrace/common/cli/text.hpp>
#include <nettrace/common/cli/text_match.hpp>

#include <nettrace/errors.hpp>

#include <boost/program_options/parsers.hpp>
#include <boost/program_options/positional_options.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <fmt/format.h>

#include <iostream>
#include <string>
#include <vector>

namespace po = boost::program_options;

namespace nettrace {

namespace {

// The driver passes the command's name as argv[0].
std::string command_name(int argc, char **argv)
{
	return argc > 0 && argv[0] ? fmt::format("nettrace {}", argv[0]) : "nettrace";
}

} // namespace

po::variables_map parse_command_line(int argc, char **argv, const po::options_description &options)
{
	return parse_command_line(argc, argv, options, po::positional_options_description());
}

po::variables_map parse_command_line(int argc, char **argv, const po::options_description &options,
				     const po::positional_options_description &positional)
{
	po::variables_map vm;
	try {
		po::store(po::command_line_parser(argc, argv)
				  .options(options)
				  .positional(positional)
				  .style(po::command_line_style::default_style &
					 ~po::command_line_style::allow_guessing)
				  .run(),
			  vm);
		po::notify(vm);
	} catch (const po::too_many_positional_options_error &) {
		const std::string help = see_help(command_name(argc, argv));
		for (int i = 1; i < argc; ++i)
			if (argv[i][0] != '-' && (i == 1 || argv[i - 1][0] != '-'))
				throw UsageError(fmt::format("unexpected argument {}{}",
							     quoted_value(argv[i]), help));
		throw UsageError("unexpected argument" + help);
	} catch (const po::error &e) {
		throw UsageError(describe_option_error(e, argc, argv, options, positional,
						       command_name(argc, argv)));
	}
	return vm;
}

po::variables_map parse_command_line_with_expression(int argc, char **argv,
						     const po::options_description &options)
{
	po::options_description expression;
	expression.add_options()("expression", po::value<std::vector<std::string>>());
	po::positional_options_description positional;
	positional.add("expression", -1);
	po::options_description all;
	all.add(options).add(expression);
	return parse_command_line(argc, argv, all, positional);
}

void add_help_option(po::options_description &options)
{
	options.add_options()("help,h", "print this summary (--help opens the manual)");
}

bool print_help_if_asked(const po::variables_map &vm, std::string_view usage,
			 const po::options_description &options)
{
	if (!vm.count("help"))
		return false;
	std::cout << usage << "\n\n" << options;
	std::cout.flush();
	return true;
}

void add_run_limit_options(po::options_description &options, RunLimits &limits,
			   const char *count_help)
{
	options.add_options()("count,c", count_value(&limits.count)->value_name("N"),
			      count_help)("duration",
					  seconds_value(&limits.seconds)->value_name("SECONDS"),
					  "exit after SECONDS (fractions allowed)");
}

void check_run_limits(const po::variables_map &vm, const RunLimits &limits)
{
	if (vm.count("count") && limits.count == 0)
		throw UsageError("--count: must be at least 1");
	if (vm.count("duration") &&
	    !(limits.seconds >= kMinSeconds && limits.seconds <= kMaxSeconds))
		throw UsageError(
			fmt::format("--duration: must be a number of seconds from {} to {:.0f}",
				    kMinSeconds, kMaxSeconds));
}

} // namespace nettrace
