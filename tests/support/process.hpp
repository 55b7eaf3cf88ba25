// Runs a program the way a user would and captures what it printed.
#pragma once

#include <string>
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

// Runs `sh -c script` and fails the calling test with its output if it
// does not exit 0. For set-up steps (ip, nft) whose failure is fatal.
void run_shell_checked(const std::string &script);

} // namespace nettrace::test
