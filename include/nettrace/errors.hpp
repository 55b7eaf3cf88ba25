// SPDX-License-Identifier: MIT
// Exceptions that carry the exit code they stand for. Plugins throw these;
// the SDK's run wrapper turns them into one line on stderr and that code.
#pragma once

#include <nettrace/plugin.h>

#include <stdexcept>
#include <string>

namespace nettrace {

class ExitError : public std::runtime_error {
public:
	ExitError(int exit_code, const std::string &message)
	    : std::runtime_error(message), exit_code_(exit_code)
	{
	}
	int exit_code() const noexcept { return exit_code_; }

private:
	int exit_code_;
};

// A bad command line: which option, which value, why. Exit 2.
class UsageError : public ExitError {
public:
	explicit UsageError(const std::string &message) : ExitError(NETTRACE_EXIT_USAGE, message) {}
};

// Something the environment refused: privileges, BTF, attach. Exit 1.
class RuntimeError : public ExitError {
public:
	explicit RuntimeError(const std::string &message)
	    : ExitError(NETTRACE_EXIT_FAILURE, message)
	{
	}
};

} // namespace nettrace
