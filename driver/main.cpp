// SPDX-License-Identifier: MIT
// nettrace: the driver. It finds plugins, checks their ABI, and hands the
// command line to the one named. It holds no tracing logic of its own.
#include "man_pages.hpp"
#include "plugin_catalog.hpp"
#include "plugin_dirs.hpp"
#include "plugin_list.hpp"

#include <nettrace/common/cli/command_line.hpp>
#include <nettrace/common/cli/text.hpp>
#include <nettrace/common/cli/text_match.hpp>
#include <nettrace/errors.hpp>
#include <nettrace/plugin.h>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace po = boost::program_options;
using namespace nettrace;
using namespace nettrace::driver;

namespace {

struct DriverOptions {
	std::vector<std::string> plugin_dirs;
	bool list = false;
	bool version = false;
	bool help = false;                // -h: the command list
	bool manual = false;              // --help: nettrace(8)
	std::vector<std::string> command; // the command and its own arguments
};

po::options_description driver_options(DriverOptions &opts)
{
	po::options_description desc("options");
	desc.add_options()("plugin-dir", po::value(&opts.plugin_dirs)->value_name("DIR"),
			   "also look for plugins in DIR (repeatable; searched first)")(
		"list", po::bool_switch(&opts.list), "list the plugins found, with their files")(
		"version", po::bool_switch(&opts.version),
		"print the version")("help", po::bool_switch(&opts.manual),
				     "open the nettrace(8) manual")(",h",
								    po::bool_switch(&opts.help),
								    "print this summary");
	return desc;
}

// Driver options come before the command; everything from the command on
// belongs to the plugin, as with perf and git.
DriverOptions parse_command_line(int argc, char **argv)
{
	DriverOptions opts;
	const po::options_description desc = driver_options(opts);
	int first_command_arg = argc;
	for (int i = 1; i < argc; ++i) {
		const std::string_view arg = argv[i];
		if (arg == "--plugin-dir") {
			++i; // its value
			continue;
		}
		if (arg.empty() || arg[0] != '-') {
			first_command_arg = i;
			break;
		}
	}
	po::variables_map vm;
	try {
		po::store(po::command_line_parser(first_command_arg, argv)
				  .options(desc)
				  .style(po::command_line_style::default_style &
					 ~po::command_line_style::allow_guessing)
				  .run(),
			  vm);
		po::notify(vm);
	} catch (const po::error &e) {
		throw UsageError(describe_option_error(e, first_command_arg, argv, desc,
						       po::positional_options_description(),
						       "nettrace"));
	}
	opts.command.assign(argv + first_command_arg, argv + argc);
	return opts;
}

void print_usage(std::FILE *out, const PluginCatalog &catalog)
{
	fmt::print(out, "usage: nettrace [--plugin-dir DIR]... [--list] [--version] [-h | --help] "
			"COMMAND [ARGS]\n\n"
			"Find where the kernel drops packets, and why.\n\n"
			"commands:\n");
	std::size_t width = 4;
	for (const auto &p : catalog.plugins())
		width = std::max(width, p.name.size());
	if (catalog.plugins().empty())
		fmt::print(out, "  (no plugins found; see 'nettrace --list')\n");
	for (const auto &p : catalog.plugins())
		fmt::print(out, "  {:<{}}  {}\n", p.name, width, p.summary);
	DriverOptions unused;
	std::ostringstream options_text;
	options_text << driver_options(unused);
	fmt::print(out,
		   "\n{}\nRun 'nettrace COMMAND -h' for a command's options, "
		   "'nettrace help COMMAND' for its manual.\n",
		   options_text.str());
}

// Output that could not be written is a failure, not a short listing:
// `nettrace --list > /dev/full` fails as a command's own output does. `who`
// is "nettrace" or "nettrace COMMAND"; `code` stands unless it was 0.
int with_output_checked(const std::string &who, int code)
{
	errno = 0;
	if (std::fflush(stdout) == 0 && !std::ferror(stdout))
		return code;
	const int err = errno;
	std::clearerr(stdout);
	// errno is known only when this flush failed, not an earlier one.
	fmt::print(stderr, "{}: cannot write the output{}{}\n", who, err ? ": " : "",
		   err ? std::strerror(err) : "");
	return code == NETTRACE_EXIT_OK ? NETTRACE_EXIT_FAILURE : code;
}

void report_plugin_error(const nettrace_host *, const char *plugin, const char *message)
{
	std::fflush(stdout);
	fmt::print(stderr, "nettrace {}: {}\n", plugin ? plugin : "?", message ? message : "");
}

// What for_each_plugin walks: set once the plugins are loaded; with
// only the running command's plugin in it when that was found by its
// file name (catalog_is_whole false).
PluginCatalog *loaded_catalog = nullptr;
bool catalog_is_whole = false;
std::vector<PluginDir> searched_dirs;

void for_each_loaded_plugin(const nettrace_host *, void *context,
			    void (*visit)(void *, const char *, const nettrace_plugin *))
{
	if (!loaded_catalog || !visit)
		return;
	std::ostringstream diagnostics;
	if (!catalog_is_whole) {
		// Never freed, as the first: the running command's plugin is
		// in both, mapped once. What the scan refuses is said where
		// plugins are the subject (--list), as when a command runs
		// after a whole scan.
		auto *whole = new PluginCatalog;
		std::ostringstream scan_diagnostics;
		whole->scan(searched_dirs, scan_diagnostics);
		loaded_catalog = whole;
		catalog_is_whole = true;
	}
	// The command running set the others aside; it asks about them now.
	loaded_catalog->map_set_aside(diagnostics);
	std::fflush(stdout);
	fmt::print(stderr, "{}", diagnostics.str());
	for (const LoadedPlugin &p : loaded_catalog->plugins())
		if (p.mapped())
			visit(context, p.file.c_str(), &p.descriptor);
}

// The plugin a command line would run ("help CMD" runs CMD); empty when it
// runs none (--list, -h, --help, a bare "help").
std::string command_to_run(const DriverOptions &opts)
{
	if (opts.list || opts.help || opts.manual || opts.command.empty())
		return {};
	if (opts.command[0] == "help")
		return opts.command.size() > 1 ? opts.command[1] : std::string();
	return opts.command[0];
}

// Whether a command line asks for the manual: --help before any "--".
bool asks_for_manual(const std::vector<std::string> &command)
{
	for (std::size_t i = 1; i < command.size(); ++i) {
		if (command[i] == "--")
			return false;
		if (command[i] == "--help")
			return true;
	}
	return false;
}

int run_plugin(const LoadedPlugin &plugin, std::vector<std::string> args)
{
	static const nettrace_host host = {
		sizeof(nettrace_host), NETTRACE_PLUGIN_ABI_MAJOR, NETTRACE_PLUGIN_ABI_MINOR,
		NETTRACE_VERSION,      &report_plugin_error,      &for_each_loaded_plugin,
	};
	std::vector<char *> argv;
	for (auto &a : args)
		argv.push_back(a.data());
	argv.push_back(nullptr);
	int code;
	// A plugin written without the SDK macro may still throw; it must not
	// take the driver down with std::terminate.
	try {
		code = plugin.descriptor.run(&host, static_cast<int>(args.size()), argv.data());
	} catch (const std::exception &e) {
		std::fflush(stdout);
		fmt::print(stderr, "nettrace {}: plugin failed: {}\n", plugin.name, e.what());
		return NETTRACE_EXIT_FAILURE;
	} catch (...) {
		std::fflush(stdout);
		fmt::print(stderr, "nettrace {}: plugin failed with an unknown exception\n",
			   plugin.name);
		return NETTRACE_EXIT_FAILURE;
	}
	if (code < 0 || code > 255) {
		std::fflush(stdout);
		fmt::print(stderr, "nettrace {}: plugin returned exit code {}\n", plugin.name,
			   code);
		return NETTRACE_EXIT_FAILURE;
	}
	return with_output_checked("nettrace " + plugin.name, code);
}

int run_driver(int argc, char **argv)
{
	DriverOptions opts = parse_command_line(argc, argv);
	if (opts.version) {
		fmt::print("nettrace {} (plugin ABI {}.{})\n", NETTRACE_VERSION,
			   NETTRACE_PLUGIN_ABI_MAJOR, NETTRACE_PLUGIN_ABI_MINOR);
		return NETTRACE_EXIT_OK;
	}

	if (opts.command.empty() && !opts.list && !opts.help && !opts.manual)
		throw UsageError("no command given; 'nettrace -h' lists them");

	// Never freed: the plugin that runs stays mapped until the process
	// exits, as it may leave behind thread-locals or atexit handlers that
	// live in its code. The others have run no more than their static
	// constructors when they are set aside.
	auto *catalog = new PluginCatalog;
	std::ostringstream diagnostics;
	searched_dirs = plugin_search_path(opts.plugin_dirs);
	const std::string command = command_to_run(opts);
	catalog_is_whole =
		command.empty() || !catalog->load_by_file_name(searched_dirs, command, diagnostics);
	if (catalog_is_whole)
		catalog->scan(searched_dirs, diagnostics);
	loaded_catalog = catalog;
	// What was refused or shadowed is shown where plugins are the subject
	// (--list, the command list, an unknown command); a command that runs
	// is not preceded by lines about other plugins, except warnings about
	// folders trusted only because they were named.
	const std::string all_diagnostics = diagnostics.str();
	auto show_diagnostics = [&](bool warnings_only) {
		std::istringstream lines(all_diagnostics);
		for (std::string line; std::getline(lines, line);)
			if (!warnings_only || line.find(": warning: ") != std::string::npos)
				fmt::print(stderr, "{}\n", line);
	};
	const bool runs_a_command = !command.empty() && catalog->find(command);
	show_diagnostics(runs_a_command);

	if (opts.list) {
		print_plugin_list(stdout, *catalog);
		return NETTRACE_EXIT_OK;
	}
	if (opts.manual)
		open_man_page("nettrace");
	if (opts.help || opts.manual) {
		print_usage(stdout, *catalog);
		return NETTRACE_EXIT_OK;
	}
	// `nettrace help CMD` is `nettrace CMD --help`; `nettrace help` is -h.
	if (opts.command[0] == "help") {
		if (opts.command.size() == 1) {
			print_usage(stdout, *catalog);
			return NETTRACE_EXIT_OK;
		}
		if (opts.command.size() > 2)
			throw UsageError(fmt::format("help takes one command; '{}' is one too many",
						     opts.command[2]));
		opts.command = {opts.command[1], "--help"};
	}

	const std::string &name = opts.command[0];
	const LoadedPlugin *plugin = catalog->find(name);
	if (!plugin) {
		throw UsageError(fmt::format("unknown command {}{}{}", quoted_value(name),
					     did_you_mean(suggestions(name, catalog->names())),
					     see_help("nettrace")));
	}
	// --help is the manual; without one the plugin prints its summary.
	if (asks_for_manual(opts.command))
		open_man_page("nettrace-" + name, plugin->file);
	catalog->set_aside_all_but(*plugin);
	return run_plugin(*plugin, opts.command);
}

} // namespace

int main(int argc, char **argv)
{
	try {
		return with_output_checked("nettrace", run_driver(argc, argv));
	} catch (const ExitError &e) {
		fmt::print(stderr, "nettrace: {}\n", e.what());
		return e.exit_code();
	} catch (const std::exception &e) {
		fmt::print(stderr, "nettrace: {}\n", e.what());
		return NETTRACE_EXIT_FAILURE;
	}
}
