// SPDX-License-Identifier: MIT
// A nettrace command running in the background while a test makes
// traffic, and the helpers its tests share to read what it printed.
#pragma once

#include "process.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace nettrace::test {

class TracerRun {
public:
	// Starts `nettrace ARGS...` and waits until `ready` appears on stdout
	// (or stderr, with `ready_on_stderr`): the tools print it only once
	// attached. With `out_file`, stdout goes to that file instead, as a
	// user would redirect it, so a slow reader never throttles the tool.
	TracerRun(std::vector<std::string> args, const std::string &ready, bool ready_on_stderr,
		  const std::string &out_file = {});
	// SIGINT, as a user stops it; fails the test unless it exits 0.
	ProcessResult stop();
	// Waits for it to end by itself (-c, --duration).
	ProcessResult finish() { return proc_.finish(); }
	// Reads its output until `needle` appears on stdout (or stderr); false
	// after `timeout`. Until then its output is not read at all.
	bool wait_for(std::string_view needle, std::chrono::milliseconds timeout,
		      bool in_stderr = false)
	{
		return proc_.wait_for(needle, timeout, in_stderr);
	}
	// What it printed so far.
	const std::string &out() const { return proc_.out(); }
	const std::string &err() const { return proc_.err(); }
	// Sends `sig` and waits for the exit, without judging it.
	ProcessResult stop_with(int sig)
	{
		proc_.signal(sig);
		return proc_.finish();
	}
	int pid() const { return proc_.pid(); }

private:
	BackgroundProcess proc_;
};

// A file under /tmp for a tool's redirected output, removed at the end.
struct TempFile {
	TempFile();
	~TempFile();
	TempFile(const TempFile &) = delete;
	TempFile &operator=(const TempFile &) = delete;
	std::string read() const;
	std::string path;
};

// A directory under /tmp, removed with all it holds at the end.
struct TempDir {
	TempDir();
	~TempDir();
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;
	std::string path;
};

// The nettrace binary under test.
const char *nettrace_binary();

struct UsageCase {
	std::vector<std::string> args;
	std::string message; // a part of the one line expected on stderr
};
// For each case, `nettrace PLUGIN ARGS...` must exit 2 with nothing on
// stdout and one line on stderr, "nettrace PLUGIN: ..." containing the
// message, and leave no BPF link behind.
void expect_usage_errors(const std::string &plugin, const std::vector<UsageCase> &cases);

std::vector<nlohmann::json> parse_json_lines(const std::string &text);
// BPF links on the whole machine, to check nothing stays attached.
int count_bpf_links();
// Resident memory of a process, from /proc/PID/status.
long rss_kb(int pid);

} // namespace nettrace::test
