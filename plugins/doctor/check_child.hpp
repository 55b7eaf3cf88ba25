// SPDX-License-Identifier: MIT
// Runs one plugin's check in a child process. libbpf's print callback and
// section handlers are process-wide, and a third party's check may crash
// or hang: in a child, each check starts from doctor's state, whatever it
// attached dies with it, and its failure is its own finding.
#pragma once

#include "findings.hpp"

#include <nettrace/plugin.h>

#include <chrono>

namespace nettrace::doctor {

// How long a check may take before it is killed and reported MISSING.
constexpr std::chrono::seconds check_time_limit{60};

// Runs `plugin.check` in a child and adds each finding it reported, in
// order, to `verdict`. A crash, a non-zero exit, a report cut short or a
// check that outlives the limit adds a MISSING "check" finding saying so.
// Returns whether the check itself said it failed.
bool run_check_in_child(const nettrace_host *host, const nettrace_plugin &plugin,
			PluginVerdict &verdict);

} // namespace nettrace::doctor
