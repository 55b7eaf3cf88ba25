// SPDX-License-Identifier: MIT
// deploy/systemd/nettrace-exporter.service: systemd finds nothing wrong
// with it, its hardening keeps the exposure systemd rates at or below
// what it is today, and its command runs for real with the unit's
// options, environment and capabilities. No systemd runs as PID 1 here,
// so the unit itself is never started.
#include "deployed_command.hpp"
#include "process.hpp"
#include "requirements.hpp"
#include "text.hpp"
#include "tracer_run.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <sys/stat.h>

namespace fs = std::filesystem;
using namespace nettrace::test;

namespace {

const std::string unit_file = NETTRACE_SOURCE_DIR "/deploy/systemd/nettrace-exporter.service";

// The exposure `systemd-analyze security` gives the unit today (3.4),
// times ten: removing a hardening line of weight raises it above this.
constexpr int exposure_threshold = 34;

std::string read_file(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream s;
	s << in.rdbuf();
	return s.str();
}

// The values of every `key=` line of the unit, in order.
std::vector<std::string> unit_values(const std::string &text, const std::string &key)
{
	std::vector<std::string> values;
	for (const std::string &line : split_lines(text))
		if (line.rfind(key + "=", 0) == 0)
			values.push_back(line.substr(key.size() + 1));
	return values;
}

std::vector<std::string> words(const std::string &text)
{
	std::istringstream in(text);
	std::vector<std::string> out;
	for (std::string w; in >> w;)
		out.push_back(w);
	return out;
}

// The unit as systemd-analyze can check it here: ExecStart's binary is
// the one under test, not /usr/bin/nettrace, which only the package
// installs.
std::string unit_for_this_build(const std::string &dir)
{
	std::string text = read_file(unit_file);
	const std::string installed = "ExecStart=/usr/bin/nettrace ";
	const auto at = text.find(installed);
	if (at != std::string::npos)
		text.replace(at, installed.size(),
			     std::string("ExecStart=") + nettrace_binary() + " ");
	const std::string path = dir + "/nettrace-exporter.service";
	std::ofstream(path) << text;
	return path;
}

// Each group `systemd-analyze syscall-filter` lists, with its members:
// calls and other groups.
std::map<std::string, std::vector<std::string>> syscall_groups()
{
	std::map<std::string, std::vector<std::string>> groups;
	std::string group;
	for (const std::string &line :
	     split_lines(run_process({"systemd-analyze", "syscall-filter"}).out)) {
		if (line.empty() || line[0] == '#')
			group.clear();
		else if (line[0] == '@')
			group = line;
		else if (!group.empty() && line.find('#') == std::string::npos)
			groups[group].push_back(words(line).at(0));
	}
	return groups;
}

// The calls SystemCallFilter= `items` allows, groups expanded.
void add_allowed(const std::map<std::string, std::vector<std::string>> &groups,
		 const std::vector<std::string> &items, std::set<std::string> &allowed)
{
	for (const std::string &item : items) {
		if (item[0] != '@') {
			allowed.insert(item);
			continue;
		}
		const auto g = groups.find(item);
		if (g != groups.end() && !allowed.count(item)) {
			allowed.insert(item);
			add_allowed(groups, g->second, allowed);
		}
	}
}

// What strace saw: the name of each call, and each socket's family.
struct Calls {
	std::set<std::string> names;
	std::set<std::string> families;
};

Calls traced_calls(const std::string &trace)
{
	Calls calls;
	const std::regex call(R"(^\d+\s+([a-z0-9_]+)\()");
	const std::regex socket(R"(socket\((AF_[A-Z0-9]+))");
	std::smatch m;
	for (const std::string &line : split_lines(trace)) {
		if (std::regex_search(line, m, call))
			calls.names.insert(m[1].str());
		if (std::regex_search(line, m, socket))
			calls.families.insert(m[1].str());
	}
	return calls;
}

// Skips, or fails under CI, when a command the test runs is missing.
#define REQUIRE_COMMAND(name, package)                                                          \
	do {                                                                                    \
		if (run_process({"sh", "-c", "command -v " name}).exit_code != 0)               \
			NETTRACE_SKIP_OR_FAIL(name " is not installed (Debian package " package \
						   "; scripts/bootstrap installs it)");         \
	} while (0)

TEST(DeploySystemdUnit, StartsTheBinaryThePackageInstalls)
{
	const std::vector<std::string> exec = unit_values(read_file(unit_file), "ExecStart");
	ASSERT_EQ(exec.size(), 1u);
	const std::vector<std::string> argv = words(exec[0]);
	ASSERT_GE(argv.size(), 2u);
	EXPECT_EQ(argv[0], "/usr/bin/nettrace");
	EXPECT_EQ(argv[1], "exporter");
	EXPECT_EQ(exec[0].find_first_of("\"'\\$%"), std::string::npos)
		<< "ExecStart is split at spaces here: no quoting or specifiers";
}

TEST(DeploySystemdUnit, SystemdAnalyzeVerifyFindsNothing)
{
	REQUIRE_COMMAND("systemd-analyze", "systemd");
	TempDir dir;
	const std::string path = unit_for_this_build(dir.path);
	// Documentation=man:nettrace-exporter(8) is looked up: in the build
	// tree's pages.
	const ProcessResult r = run_process({"systemd-analyze", "verify", path},
					    {"MANPATH=" NETTRACE_BUILD_MAN_DIR ":"});
	EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
	EXPECT_EQ(r.out + r.err, "");
}

TEST(DeploySystemdUnit, ExposureStaysAtItsLevel)
{
	REQUIRE_COMMAND("systemd-analyze", "systemd");
	TempDir dir;
	const std::string path = unit_for_this_build(dir.path);
	const ProcessResult r =
		run_process({"systemd-analyze", "security", "--offline=true",
			     "--threshold=" + std::to_string(exposure_threshold), path});
	EXPECT_EQ(r.exit_code, 0) << "exposure above " << exposure_threshold / 10 << "."
				  << exposure_threshold % 10 << "\n"
				  << r.out << r.err;
}

// The exposure rounds to a tenth, which hides a lighter setting removed
// (LockPersonality=, UMask= ...): the settings systemd rates as not
// hardened must be exactly those the unit says it needs left so.
TEST(DeploySystemdUnit, OnlyTheJustifiedSettingsAreLeftOpen)
{
	REQUIRE_COMMAND("systemd-analyze", "systemd");
	TempDir dir;
	const std::string path = unit_for_this_build(dir.path);
	const ProcessResult r = run_process(
		{"systemd-analyze", "security", "--offline=true", "--json=short", path});
	ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
	std::set<std::string> open;
	for (const nlohmann::json &setting : nlohmann::json::parse(r.out))
		if (setting.at("set") == false)
			open.insert(setting.at("name").get<std::string>());
	const std::set<std::string> justified{
		// bpf(), perf_event_open() and setns() are in these groups.
		"SystemCallFilter=~@privileged", "SystemCallFilter=~@debug",
		// @system-service holds @resources; libbpf may raise RLIMIT_MEMLOCK.
		"SystemCallFilter=~@resources",
		// Root: tracefs and /run/netns are root's; the capabilities it
		// needs; the host's file system, network, users, /proc,
		// /proc/kallsyms (ProtectKernelTunables=, ProcSubset=) and
		// CAP_SYSLOG (ProtectKernelLogs=); other users' /proc/PID/ns/net
		// (CAP_SYS_PTRACE); host mounts of /run/netns.
		"RootDirectory=/RootImage=", "User=/DynamicUser=", "CapabilityBoundingSet=~CAP_BPF",
		"CapabilityBoundingSet=~CAP_SYS_ADMIN", "CapabilityBoundingSet=~CAP_SYSLOG",
		"CapabilityBoundingSet=~CAP_SYS_PTRACE",
		"ProtectKernelLogs=", "ProtectKernelTunables=", "ProtectProc=", "ProcSubset=",
		"PrivateMounts=", "PrivateNetwork=", "PrivateUsers=", "RestrictNamespaces=~net",
		"RestrictAddressFamilies=~AF_UNIX", "RestrictAddressFamilies=~AF_(INET|INET6)",
		// Serving to any Prometheus; PrivateDevices= leaves /dev/rtc.
		"IPAddressDeny=", "DeviceAllow="};
	EXPECT_EQ(open, justified) << r.out;
}

TEST(DeploySystemdUnit, CommandCountsAndNamesWithTheUnitsCapabilities)
{
	NETTRACE_REQUIRE_BPF();
	REQUIRE_COMMAND("systemd-analyze", "systemd");
	REQUIRE_COMMAND("strace", "strace");
	const std::string text = read_file(unit_file);
	DeployedCommand command;
	const std::vector<std::string> argv = words(unit_values(text, "ExecStart").at(0));
	command.args.assign(argv.begin() + 1, argv.end());

	// %C is systemd's cache root; CacheDirectory= makes the folder
	// with CacheDirectoryMode=, owned by the service's user.
	TempDir cache_root;
	const std::vector<std::string> cache = unit_values(text, "CacheDirectory");
	const std::vector<std::string> mode = unit_values(text, "CacheDirectoryMode");
	ASSERT_EQ(cache.size(), 1u);
	ASSERT_EQ(mode.size(), 1u);
	const std::string cache_dir = cache_root.path + "/" + cache[0];
	ASSERT_EQ(mkdir(cache_dir.c_str(), 0700), 0);
	ASSERT_EQ(chmod(cache_dir.c_str(), std::stoi(mode[0], nullptr, 8)), 0);
	for (const std::string &line : unit_values(text, "Environment")) {
		std::string value = line;
		for (std::string::size_type at; (at = value.find("%C")) != std::string::npos;)
			value.replace(at, 2, cache_root.path);
		command.env.push_back(value);
	}
	for (std::string cap : words(unit_values(text, "CapabilityBoundingSet").at(0))) {
		ASSERT_EQ(cap.rfind("CAP_", 0), 0u) << cap;
		cap = cap.substr(4);
		std::transform(cap.begin(), cap.end(), cap.begin(),
			       [](unsigned char c) { return std::tolower(c); });
		command.capabilities.push_back(cap);
	}

	// What the unit's seccomp and socket filters would stop cannot be
	// seen without systemd: strace lists what the command calls.
	TempFile trace;
	command.trace_file = trace.path;

	const DeployedRun run = run_deployed(command);
	ASSERT_TRUE(run.ready) << run.err;
	ASSERT_FALSE(run.drops.empty()) << run.err;
	const Calls calls = traced_calls(trace.read());
	// The setns() helper and the scrapes ran, or the trace shows little.
	EXPECT_TRUE(calls.names.count("setns") && calls.names.count("accept")) << trace.read();
	std::set<std::string> allowed;
	const auto groups = syscall_groups();
	for (const std::string &line : unit_values(text, "SystemCallFilter")) {
		ASSERT_NE(line[0], '~') << "a deny list: the check below reads allow lists";
		add_allowed(groups, words(line), allowed);
	}
	for (const std::string &name : calls.names)
		EXPECT_TRUE(allowed.count(name)) << name << " is not in SystemCallFilter=";
	std::set<std::string> families;
	for (const std::string &line : unit_values(text, "RestrictAddressFamilies"))
		for (const std::string &f : words(line))
			families.insert(f);
	for (const std::string &family : calls.families)
		EXPECT_TRUE(families.count(family))
			<< family << " is not in RestrictAddressFamilies=";

	for (const Sample &s : run.drops) {
		// setns() into the namespace named the device.
		EXPECT_EQ(s.labels.at("interface"), "lo");
		// /proc/kallsyms showed addresses: a function, not a number.
		const std::string &location = s.labels.at("location");
		EXPECT_TRUE(!location.empty() && location.rfind("0x", 0) != 0) << location;
	}
	EXPECT_EQ(run.err.find("kernel cache"), std::string::npos) << run.err;
	// The kernel cache went where the unit says.
	EXPECT_FALSE(fs::is_empty(cache_dir)) << run.err;
	expect_counts_without_sys_admin(command);
}

} // namespace
