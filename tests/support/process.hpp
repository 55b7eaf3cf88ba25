// SPDX-License-Identifier: MIT
// Runs a program the way a user would and captures what it printed.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace nettrace::test {

struct ProcessResult {
	int exit_code = -1; // -1 when killed by a signal
	int signal = 0;
	std::string out;
	std::string err;
};

// argv[0] is looked up in PATH. `env` entries (NAME=value) are set in the
// environment, later ones overriding earlier ones. Never throws for a non-zero exit; throws if it cannot start.
ProcessResult run_process(const std::vector<std::string> &argv,
			  const std::vector<std::string> &env = {});

// A program left running while the test makes traffic: its output is read
// as it comes, so the test can wait for a ready line, then signal it.
class BackgroundProcess {
public:
	explicit BackgroundProcess(const std::vector<std::string> &argv,
				   const std::vector<std::string> &env = {});
	// Kills the process if it is still running: a failed test must not
	// leave a tracer attached.
	~BackgroundProcess();
	BackgroundProcess(const BackgroundProcess &) = delete;
	BackgroundProcess &operator=(const BackgroundProcess &) = delete;

	// Reads output until `needle` appears in stdout (or stderr, with
	// `in_stderr`), the process exits, or `timeout` passes.
	bool wait_for(std::string_view needle, std::chrono::milliseconds timeout,
		      bool in_stderr = false);
	void signal(int sig);
	// Waits for the exit (killing it after `timeout`) and returns all it printed.
	ProcessResult finish(std::chrono::milliseconds timeout = std::chrono::seconds(30));
	int pid() const { return pid_; }
	const std::string &out() const { return result_.out; }
	const std::string &err() const { return result_.err; }

private:
	// Reads what is available, waiting up to `wait_ms`; false at EOF on both.
	bool pump(int wait_ms);

	int pid_ = -1;
	int out_fd_ = -1;
	int err_fd_ = -1;
	bool exited_ = false;
	ProcessResult result_;
};

// Runs `sh -c script` and fails the calling test with its output if it
// does not exit 0. For set-up steps (ip, nft) whose failure is fatal.
void run_shell_checked(const std::string &script);

} // namespace nettrace::test
