// SPDX-License-Identifier: MIT
// The nettrace command a deploy file starts (the systemd unit's
// ExecStart, the DaemonSet's container), run here for real: with the
// options, environment and capabilities the file gives it, its --listen
// moved to a free loopback port. So a file cannot name an option the
// binary refuses, or hold back a capability the exporter needs, without
// a test failing.
#pragma once

#include "http_client.hpp"

#include <string>
#include <vector>

namespace nettrace::test {

struct DeployedCommand {
	// After the binary: "exporter", its options.
	std::vector<std::string> args;
	// NAME=VALUE, paths already moved into the test's folders.
	std::vector<std::string> env;
	// Capability names as setpriv(1) takes them: "bpf", "sys_admin".
	std::vector<std::string> capabilities;
	// When set, strace(1) writes every call the command makes here.
	std::string trace_file;
};

// What the run showed.
struct DeployedRun {
	bool ready = false;
	std::string err;
	// The samples of the namespace the drops were made in, kind="drop".
	std::vector<Sample> drops;
};

// `args` with the value of --listen (either form) replaced by
// 127.0.0.1:0; it must hold one.
std::vector<std::string> on_free_loopback_port(std::vector<std::string> args);

// Starts `command` as root with only its capabilities (bounding set,
// no new privileges), makes UDP drops in a namespace of the test's own,
// named in /run/netns, and scrapes until they show (or 30 seconds pass).
DeployedRun run_deployed(const DeployedCommand &command);

// The kernel lets CAP_SYS_ADMIN stand for CAP_BPF and CAP_PERFMON, so a
// run with all of a file's capabilities cannot tell whether those two
// are there. Without CAP_SYS_ADMIN the command must still count, naming
// no device of another namespace (it cannot enter one): fails the
// calling test otherwise.
void expect_counts_without_sys_admin(DeployedCommand command);

} // namespace nettrace::test
