// SPDX-License-Identifier: MIT
// What doctor found: one Finding per check, and per installed plugin a
// verdict made of what its own check found.
#pragma once

#include <string>
#include <vector>

namespace nettrace::doctor {

// In increasing order of trouble, so that the worst is the largest.
enum class Status { Ok, Degraded, Missing };

const char *status_name(Status s); // "OK", "DEGRADED", "MISSING"

struct Finding {
	std::string name; // "kprobe", "CAP_BPF", "skbstat: function rows"
	Status status = Status::Ok;
	std::string detail; // what was found, and for a failure its likely cause
	std::string fix;    // one line, or empty
	std::string error;  // an errno name ("ENOENT") where one was met
};

struct PluginVerdict {
	std::string name;
	std::string file;
	std::string version;
	unsigned abi_major = 0, abi_minor = 0;
	bool checked = false; // false: it has no check entry point
	Status status = Status::Ok;
	std::vector<Finding> findings; // named "<plugin>: <what>"
};

struct Diagnosis {
	std::string release, machine;
	std::vector<Finding> checks; // the kernel's, then the plugins' findings
	std::vector<PluginVerdict> plugins;
};

// 0 when every plugin checked runs fully, 1 when any is degraded, cannot
// run, or cannot be checked.
int exit_code(const Diagnosis &d);

} // namespace nettrace::doctor
