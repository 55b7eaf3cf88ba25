// SPDX-License-Identifier: MIT
// A plugin's command line, parsed with Boost.Program_options the same way
// in every plugin: any mistake becomes a UsageError (one line, exit 2).
#pragma once

#include <boost/program_options/errors.hpp>
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/positional_options.hpp>
#include <boost/program_options/variables_map.hpp>
#include <fmt/format.h>
#include <nettrace/errors.hpp>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace nettrace {

// Parses argv[1..] against `options`. Arguments that are not options are an
// error: no plugin takes positional arguments it would silently ignore.
boost::program_options::variables_map
parse_command_line(int argc, char **argv,
		   const boost::program_options::options_description &options);
// The same for a command that takes the arguments `positional` names.
boost::program_options::variables_map
parse_command_line(int argc, char **argv,
		   const boost::program_options::options_description &options,
		   const boost::program_options::positional_options_description &positional);

// The same, with every argument that is not an option taken as a word of
// a pcap-filter expression, as tcpdump takes them: filter_options_from()
// (filter_options.hpp) gives them. The hidden option that holds them is
// not in `options`, so help printed from `options` leaves it out.
boost::program_options::variables_map
parse_command_line_with_expression(int argc, char **argv,
				   const boost::program_options::options_description &options);

// The one line for a mistake Boost.Program_options found in argv[1..argc),
// worded as every command words it: the option as the user typed it, the
// form its value takes, the nearest option to an unknown one, and where
// -h is. `command` is what -h follows: "nettrace tcpdrop", or "nettrace".
std::string
describe_option_error(const boost::program_options::error &e, int argc, char **argv,
		      const boost::program_options::options_description &options,
		      const boost::program_options::positional_options_description &positional,
		      std::string_view command);

// -h/--help, as every command has it. The driver turns --help into the
// command's man page when there is one, so both mean "the summary" here.
void add_help_option(boost::program_options::options_description &options);
// With -h/--help given, prints `usage` (the synopsis and a line on what the
// command does) and the option summary on stdout and returns true: the
// command then exits 0.
bool print_help_if_asked(const boost::program_options::variables_map &vm, std::string_view usage,
			 const boost::program_options::options_description &options);

// -c/--count N and --duration SECONDS, as every tracing command has them.
struct RunLimits {
	std::uint64_t count = 0; // 0: no limit
	double seconds = 0;      // 0: no limit
	std::chrono::nanoseconds duration() const
	{
		return std::chrono::duration_cast<std::chrono::nanoseconds>(
			std::chrono::duration<double>(seconds));
	}
};

// `count_help` says what is counted ("exit after N drops").
void add_run_limit_options(boost::program_options::options_description &options, RunLimits &limits,
			   const char *count_help);
// The values were checked as they were parsed (option_values.hpp); this
// checks limits a command set itself. Throws UsageError.
void check_run_limits(const boost::program_options::variables_map &vm, const RunLimits &limits);

// The choice `value` names among `choices` (name, value pairs, in the
// order the usage lists them). Throws UsageError otherwise:
// "OPTION: unknown value 'VALUE' (a, b or c)".
template <typename T>
T parse_choice(std::string_view option, std::string_view value,
	       std::initializer_list<std::pair<std::string_view, T>> choices)
{
	for (const auto &[name, choice] : choices)
		if (name == value)
			return choice;
	std::string names;
	std::size_t index = 0;
	for (const auto &choice : choices) {
		if (index > 0)
			names += index + 1 == choices.size() ? " or " : ", ";
		names += choice.first;
		++index;
	}
	throw UsageError(fmt::format("{}: unknown value '{}' ({})", option, value, names));
}

} // namespace nettrace
