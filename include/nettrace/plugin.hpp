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
//
// A plugin that can say whether it would run here (`nettrace doctor` asks)
// declares itself with a check as well:
//
//   static void check_mytool(nettrace::sdk::CheckReport &report);
//   NETTRACE_PLUGIN_CHECKED("mytool", "...", "1.0.0", run_mytool, check_mytool)
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
int guarded_run(RunFn run, const char *plugin, const nettrace_host *host, int argc,
		char **argv) noexcept
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

// What a plugin's check found, written to the sink the caller gave. Each
// finding is one feature: what it is, what was found, and what to do.
class CheckReport {
public:
	explicit CheckReport(nettrace_check_sink *sink) noexcept : sink_(sink) {}

	void ok(const std::string &what, const std::string &detail)
	{
		add(NETTRACE_CHECK_OK, what, detail, {});
	}
	void degraded(const std::string &what, const std::string &detail,
		      const std::string &fix = {})
	{
		add(NETTRACE_CHECK_DEGRADED, what, detail, fix);
	}
	void missing(const std::string &what, const std::string &detail,
		     const std::string &fix = {})
	{
		add(NETTRACE_CHECK_MISSING, what, detail, fix);
	}

private:
	void add(int status, const std::string &what, const std::string &detail,
		 const std::string &fix)
	{
		const bool has_report =
			sink_ && sink_->struct_size >= offsetof(nettrace_check_sink, report) +
							       sizeof(sink_->report);
		if (has_report && sink_->report)
			sink_->report(sink_, status, what.c_str(), detail.c_str(),
				      fix.empty() ? nullptr : fix.c_str());
	}

	nettrace_check_sink *sink_;
};

// A check that throws has found that it cannot tell: that is one finding,
// and the check fails.
template <typename CheckFn>
int guarded_check(CheckFn check, nettrace_check_sink *sink) noexcept
{
	CheckReport report(sink);
	try {
		check(report);
		return NETTRACE_EXIT_OK;
	} catch (const std::exception &e) {
		try {
			report.missing("check", e.what());
		} catch (...) {
		}
	} catch (...) {
		try {
			report.missing("check", "unknown exception");
		} catch (...) {
		}
	}
	return NETTRACE_EXIT_FAILURE;
}

} // namespace nettrace::sdk

#define NETTRACE_PLUGIN_DESCRIPTOR_(NAME, SUMMARY, VERSION, RUN_FN, CHECK)            \
	namespace nettrace_plugin_detail {                                            \
	static int guarded(const nettrace_host *host, int argc, char **argv) noexcept \
	{                                                                             \
		return ::nettrace::sdk::guarded_run(RUN_FN, NAME, host, argc, argv);  \
	}                                                                             \
	static const nettrace_plugin descriptor = {                                   \
		sizeof(nettrace_plugin),                                              \
		NETTRACE_PLUGIN_ABI_MAJOR,                                            \
		NETTRACE_PLUGIN_ABI_MINOR,                                            \
		NAME,                                                                 \
		SUMMARY,                                                              \
		VERSION,                                                              \
		&guarded,                                                             \
		CHECK,                                                                \
	};                                                                            \
	}                                                                             \
	BOOST_DLL_ALIAS(nettrace_plugin_detail::descriptor, NETTRACE_PLUGIN_SYMBOL)

#define NETTRACE_PLUGIN(NAME, SUMMARY, VERSION, RUN_FN) \
	NETTRACE_PLUGIN_DESCRIPTOR_(NAME, SUMMARY, VERSION, RUN_FN, nullptr)

#define NETTRACE_PLUGIN_CHECKED(NAME, SUMMARY, VERSION, RUN_FN, CHECK_FN)                   \
	namespace nettrace_plugin_detail {                                                  \
	static int guarded_check(const nettrace_host *, nettrace_check_sink *sink) noexcept \
	{                                                                                   \
		return ::nettrace::sdk::guarded_check(CHECK_FN, sink);                      \
	}                                                                                   \
	}                                                                                   \
	NETTRACE_PLUGIN_DESCRIPTOR_(NAME, SUMMARY, VERSION, RUN_FN,                         \
				    &nettrace_plugin_detail::guarded_check)
