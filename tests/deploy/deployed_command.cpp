// SPDX-License-Identifier: MIT
#include "deployed_command.hpp"
#include "netns.hpp"
#include "process.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <stdexcept>
#include <thread>

#include <signal.h>
#include <unistd.h>

namespace nettrace::test {

using namespace std::chrono_literals;

std::vector<std::string> on_free_loopback_port(std::vector<std::string> args)
{
	bool found = false;
	for (std::size_t i = 0; i < args.size(); ++i) {
		if (args[i] == "--listen" && i + 1 < args.size()) {
			args[++i] = "127.0.0.1:0";
			found = true;
		} else if (args[i].rfind("--listen=", 0) == 0) {
			args[i] = "--listen=127.0.0.1:0";
			found = true;
		}
	}
	if (!found)
		throw std::runtime_error("the command has no --listen option");
	return args;
}

namespace {

// The first child of process `pid`, or 0.
int child_of(int pid)
{
	std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) +
			       "/children");
	int child = 0;
	children >> child;
	return child;
}

struct ScopeKill {
	int pid;
	~ScopeKill()
	{
		if (pid > 0)
			kill(pid, SIGKILL);
	}
};

} // namespace

DeployedRun run_deployed(const DeployedCommand &command)
{
	std::string bounding = "--bounding-set=-all";
	for (const std::string &cap : command.capabilities)
		bounding += ",+" + cap;
	std::vector<std::string> argv{"setpriv", bounding, "--no-new-privs", "--"};
	if (!command.trace_file.empty())
		argv.insert(argv.end(), {"strace", "-f", "-qq", "-o", command.trace_file});
	argv.push_back(nettrace_binary());
	for (const std::string &a : on_free_loopback_port(command.args))
		argv.push_back(a);

	DeployedRun run;
	TestNetns ns;
	BackgroundProcess exporter(argv, command.env);
	run.ready = exporter.wait_for("/metrics;", 60s, true);
	run.err = exporter.err();
	// Under strace the exporter is strace's child, which a signal to
	// strace does not reach: it is signalled itself, and killed on the
	// way out whatever happened.
	const int exporter_pid =
		command.trace_file.empty() ? exporter.pid() : child_of(exporter.pid());
	ScopeKill guard{exporter_pid};
	std::smatch m;
	if (!run.ready ||
	    !std::regex_search(run.err, m, std::regex(R"(serving http://127\.0\.0\.1:(\d+)/)")))
		return run;
	const auto port = static_cast<std::uint16_t>(std::stoi(m[1].str()));

	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1",
			   static_cast<std::uint16_t>(30000 + getpid() % 20000), 5);
	const std::string netns = std::to_string(ns.inode());
	const auto deadline = std::chrono::steady_clock::now() + 30s;
	while (run.drops.empty() && std::chrono::steady_clock::now() < deadline) {
		const HttpResponse r = http_request(port, "GET", "/metrics");
		if (r.status == 200)
			for (const Sample &s : parse_exposition(r.body))
				if (s.name == "nettrace_drops_total" &&
				    s.labels.at("netns") == netns && s.labels.at("kind") == "drop")
					run.drops.push_back(s);
		if (run.drops.empty())
			std::this_thread::sleep_for(200ms);
	}
	if (exporter_pid > 0)
		kill(exporter_pid, SIGTERM);
	const ProcessResult end = exporter.finish(10s);
	// Exited: strace ends with its command, and its pid may be reused.
	if (end.exit_code == 0)
		guard.pid = 0;
	run.err = end.err;
	return run;
}

void expect_counts_without_sys_admin(DeployedCommand command)
{
	command.trace_file.clear();
	const auto before = command.capabilities.size();
	std::erase(command.capabilities, "sys_admin");
	EXPECT_EQ(command.capabilities.size(), before - 1) << "no sys_admin to leave out";
	const DeployedRun run = run_deployed(command);
	ASSERT_TRUE(run.ready) << run.err;
	ASSERT_FALSE(run.drops.empty()) << run.err;
	for (const Sample &s : run.drops)
		EXPECT_EQ(s.labels.at("interface"), "");
}

} // namespace nettrace::test
