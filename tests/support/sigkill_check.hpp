// SPDX-License-Identifier: MIT
// SIGKILL runs no destructor and no handler: whatever nettrace attached
// must be released by the kernel alone when the process goes, so nothing
// may be pinned or left in tracefs.
#pragma once

#include "tracer_run.hpp"

#include <functional>
#include <string>

namespace nettrace::test {

// Kills `run` with SIGKILL while `traffic` is called over and over on
// another thread, and fails the test if any BPF link, program or map the
// process held is still listed afterwards, if it left kprobe events in
// tracefs, or if a file named after `plugin` or nettrace is under
// /sys/fs/bpf.
void expect_sigkill_leaves_nothing(TracerRun &run, const std::function<void()> &traffic,
				   const std::string &plugin);

} // namespace nettrace::test
