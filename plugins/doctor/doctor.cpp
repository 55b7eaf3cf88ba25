// SPDX-License-Identifier: MIT
// nettrace doctor: before tracing, what will work on this kernel with
// these privileges, and exactly why not. Written against the plugin SDK
// alone, as any third party's plugin is.
#include "attach_types.hpp"
#include "filter_checks.hpp"
#include "findings.hpp"
#include "kernel_checks.hpp"
#include "plugin_checks.hpp"
#include "report.hpp"
#include <nettrace/common/kernel/config.hpp>
#include <nettrace/common/kernel/fixes.hpp>
#include <nettrace/common/preflight/privileges.hpp>

#include <nettrace/common/bpf/skeleton.hpp>
#include <nettrace/common/cli/command_line.hpp>
#include <nettrace/plugin.hpp>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <sys/utsname.h>

namespace po = boost::program_options;

namespace nettrace::doctor {

namespace {

constexpr const char *plugin_name = "doctor";

struct Options {
	bool json = false;
	bool verbose = false;
	std::vector<std::string> plugins;
};

po::options_description describe_options(Options &o)
{
	po::options_description desc("options");
	desc.add_options()("json", po::bool_switch(&o.json), "one JSON object instead of text")(
		"verbose,v", po::bool_switch(&o.verbose), "also print libbpf's messages");
	add_help_option(desc);
	return desc;
}

template <typename T>
void append(std::vector<T> &to, std::vector<T> from)
{
	for (T &x : from)
		to.push_back(std::move(x));
}

// Without privileges most checks fail for that one reason: the first to
// say so keeps the fix, and the others only point at it, so that the
// causes that would remain as root (a kernel option that is off) stand out.
class RootCause {
public:
	void point_at(std::vector<Finding> &findings)
	{
		for (Finding &f : findings) {
			if (f.fix != fix::run_as_root)
				continue;
			if (!fix_given_) {
				fix_given_ = true;
				continue;
			}
			f.fix.clear();
			if (const auto at = f.detail.find(missing_);
			    !missing_.empty() && at != std::string::npos)
				f.detail.replace(at, missing_.size(),
						 "missing privileges (see root)");
		}
	}

private:
	const std::string missing_ = preflight::missing_privileges();
	bool fix_given_ = false;
};

Diagnosis diagnose(const nettrace_host *host, const std::vector<std::string> &only)
{
	// Named plugins that are not installed are a usage error, found
	// before anything is loaded.
	const std::vector<InstalledPlugin> plugins = installed_plugins(host, plugin_name, only);

	Diagnosis d;
	utsname uts{};
	uname(&uts);
	d.release = uts.release;
	d.machine = uts.machine;
	const KernelConfig config = KernelConfig::read(d.release);
	d.checks.push_back({"kernel",
			    Status::Ok,
			    fmt::format("{} {}; config {}", d.release, d.machine,
					config.readable() ? "from " + config.source()
							  : "not readable (no /proc/config.gz "
							    "or /boot/config-" +
								    d.release + ")"),
			    {},
			    {}});
	append(d.checks, check_btf(d.release));
	append(d.checks, check_privileges());
	append(d.checks, check_filesystems());
	append(d.checks, check_kernel_symbols());
	append(d.checks, check_drop_reporting());
	append(d.checks, check_filter_expressions());
	append(d.checks, check_attach_types(config));
	RootCause root_cause;
	root_cause.point_at(d.checks);
	for (const InstalledPlugin &plugin : plugins) {
		PluginVerdict v = check_plugin(host, plugin);
		root_cause.point_at(v.findings);
		d.checks.insert(d.checks.end(), v.findings.begin(), v.findings.end());
		d.plugins.push_back(std::move(v));
	}
	return d;
}

int run(const nettrace_host *host, int argc, char **argv)
{
	Options o;
	po::options_description desc = describe_options(o);
	po::options_description hidden;
	hidden.add_options()("plugin", po::value(&o.plugins));
	po::options_description all;
	all.add(desc).add(hidden);
	po::positional_options_description positional;
	positional.add("plugin", -1);
	const po::variables_map vm = parse_command_line(argc, argv, all, positional);
	if (print_help_if_asked(vm,
				"usage: nettrace doctor [--json] [-v] [PLUGIN...]\n\n"
				"Say what will work on this kernel, with these privileges, and "
				"why not: for each\nattach type, and for each installed plugin "
				"(or only the PLUGINs named).",
				desc))
		return NETTRACE_EXIT_OK;

	bpf::capture_libbpf_log(o.verbose);
	const Diagnosis d = diagnose(host, o.plugins);
	if (o.json)
		print_json(stdout, d);
	else
		print_text(stdout, d);
	return exit_code(d);
}

} // namespace

} // namespace nettrace::doctor

NETTRACE_PLUGIN("doctor", "Say what will work on this kernel, and exactly why not", "0.1.0",
		nettrace::doctor::run)
