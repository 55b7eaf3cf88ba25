// SPDX-License-Identifier: MIT
// The C++ side of the plugin SDK: one macro declares a plugin.
//
//   static int run_mytool(const nettrace_host *host, int argc, char **argv);
//   NETTRACE_PLUGIN("mytool", "One line that says what it does",
//                   "1.0.0", run_mytool)
//
// The macro writes the descriptor (the only place the name and summary
// live), exports it under the versioned symbol, and wraps `run` so that no
// exception ever crosses into the driver: nettrace::ExitError becomes its
// message and exit code, anything else a message and exit 1.
#pragma once

#include <nettrace/errors.hpp>
#include <nettrace/plugin.h>

#include <boost/dll/alias.hpp>

#include <cstddef>
#include <exception>
#include <string>

namespace nettrace::sdk {

inline void report(const nettrace_host *host, const char *plugin,
		   const std::string &message) noexcept
{
	// Read the host only up to the size it says it has.
	const bool has_report = host && host->struct_size >= offsetof(nettrace_host, report_error) +
								  sizeof(host->report_error);
	if (has_report && host->report_error)
		host->report_error(host, plugin, message.c_str());
}

template <typename RunFn>
int guarded_run(RunFn run, const char *plugin, const nettrace_host *host,
		int argc, char **argv) noexcept
{
	try {
		return run(host, argc, argv);
	} catch (const ExitError &e) {
		report(host, plugin, e.what());
		return e.exit_code();
	} catch (const std::exception &e) {
		report(host, plugin, std::string("internal error: ") + e.what());
		return NETTRACE_EXIT_FAILURE;
	} catch (...) {
		report(host, plugin, "internal error: unknown exception");
		return NETTRACE_EXIT_FAILURE;
	}
}

} // namespace nettrace::sdk

#define NETTRACE_PLUGIN(NAME, SUMMARY, VERSION, RUN_FN)                        \
	namespace nettrace_plugin_detail {                                     \
	static int guarded(const nettrace_host *host, int argc,                \
			   char **argv) noexcept                               \
	{                                                                      \
		return ::nettrace::sdk::guarded_run(RUN_FN, NAME, host, argc,  \
						    argv);                     \
	}                                                                      \
	static const nettrace_plugin descriptor = {                            \
		sizeof(nettrace_plugin), NETTRACE_PLUGIN_ABI_MAJOR,            \
		NETTRACE_PLUGIN_ABI_MINOR, NAME, SUMMARY, VERSION, &guarded,   \
	};                                                                     \
	}                                                                      \
	BOOST_DLL_ALIAS(nettrace_plugin_detail::descriptor,                    \
			NETTRACE_PLUGIN_SYMBOL)
