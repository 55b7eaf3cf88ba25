// SPDX-License-Identifier: MIT
// Boost.Program_options' errors in the words every command uses: the
// option as the user typed it (-s, not --saddr), the form a value takes,
// the nearest option for an unknown one, and where -h is.
#include <nettrace/common/cli/command_line.hpp>
#include <nettrace/common/cli/option_values.hpp>
#include <nettrace/common/cli/text.hpp>
#include <nettrace/common/cli/text_match.hpp>

#include <boost/program_options/cmdline.hpp>
#include <boost/program_options/errors.hpp>
#include <boost/program_options/option.hpp>
#include <fmt/format.h>

#include <string>
#include <vector>

namespace po = boost::program_options;

namespace nettrace {

namespace {

// "-s" for an option with a short name; empty without one.
std::string short_spelling(const po::option_description &option)
{
	const std::string name =
		option.canonical_display_name(po::command_line_style::allow_dash_for_short);
	return name.size() == 2 && name[0] == '-' ? name : std::string();
}

// Boost names an option by its long name ("--saddr") when it has one.
const po::option_description *described(const po::options_description &options,
					const std::string &canonical)
{
	if (canonical.rfind("--", 0) == 0)
		return options.find_nothrow(canonical.substr(2), false);
	return options.find_nothrow(canonical, false);
}

// How the user wrote `option` on the command line: its first use, or with
// `last` its last (the one that repeated it). `fallback` when not found,
// as in grouped short flags.
std::string as_typed(const po::option_description *option, int argc, char **argv, bool last,
		     const std::string &fallback)
{
	if (!option)
		return fallback;
	const std::string long_name = option->long_name().empty() ? "" : "--" + option->long_name();
	const std::string short_name = short_spelling(*option);
	std::string found;
	for (int i = 1; i < argc; ++i) {
		const std::string_view token = argv[i];
		if (token == "--")
			break;
		std::string spelling;
		if (!long_name.empty() &&
		    (token == long_name || token.rfind(long_name + "=", 0) == 0))
			spelling = long_name;
		else if (!short_name.empty() && token.size() >= 2 && token[0] == '-' &&
			 token[1] == short_name[1])
			spelling = short_name;
		if (spelling.empty())
			continue;
		found = spelling;
		if (!last)
			break;
	}
	return found.empty() ? fallback : found;
}

// The long names an unknown option may have meant: the ones -h shows,
// not the hidden ones that take positional arguments.
std::vector<std::string> long_names(const po::options_description &options,
				    const po::positional_options_description &positional)
{
	std::vector<std::string> names;
	for (const auto &option : options.options()) {
		const std::string &name = option->long_name();
		bool takes_positional = false;
		for (unsigned i = 0; i < positional.max_total_count() && i < 64; ++i)
			takes_positional =
				takes_positional || positional.name_for_position(i) == name;
		if (!name.empty() && !takes_positional)
			names.push_back(name);
	}
	return names;
}

std::string unknown_option(const std::string &typed, const po::options_description &options,
			   const po::positional_options_description &positional,
			   std::string_view command)
{
	std::string hint;
	// "--jsn" or "--jsn=1"; a short option has too few letters to guess.
	if (typed.rfind("--", 0) == 0) {
		const std::string name = typed.substr(2, typed.find('=') - 2);
		// The one nearest: two spellings of one option (--no-drop,
		// --no_drop) would only read as a choice.
		std::vector<std::string> close =
			suggestions(name, long_names(options, positional), 1);
		for (std::string &c : close)
			c = "--" + c;
		hint = did_you_mean(close);
	}
	return fmt::format("unknown option {}{}{}", quoted_value(typed), hint, see_help(command));
}

} // namespace

std::string describe_option_error(const po::error &e, int argc, char **argv,
				  const po::options_description &options,
				  const po::positional_options_description &positional,
				  std::string_view command)
{
	if (const auto *unknown = dynamic_cast<const po::unknown_option *>(&e))
		return unknown_option(unknown->get_option_name(), options, positional, command);

	const auto *named = dynamic_cast<const po::error_with_option_name *>(&e);
	if (!named)
		return e.what();
	const std::string canonical = named->get_option_name();
	const po::option_description *option = described(options, canonical);
	const bool repeated = dynamic_cast<const po::multiple_occurrences *>(&e) != nullptr;
	const std::string typed = as_typed(option, argc, argv, repeated, canonical);

	if (const auto *bad = dynamic_cast<const BadOptionValue *>(&e))
		return fmt::format("{}: {}", typed, bad->problem());
	if (repeated)
		return fmt::format("{}: can be given only once", typed);
	if (const auto *syntax = dynamic_cast<const po::invalid_command_line_syntax *>(&e)) {
		if (syntax->kind() == po::invalid_syntax::missing_parameter)
			return fmt::format("{}: needs a value ({}){}", typed,
					   option ? option->semantic()->name() : "",
					   see_help(command));
		if (syntax->kind() == po::invalid_syntax::extra_parameter)
			return fmt::format("{}: takes no value", typed);
		if (syntax->kind() == po::invalid_syntax::empty_adjacent_parameter)
			return fmt::format("{}: needs a value after '='", typed);
	}
	return e.what();
}

} // namespace nettrace
