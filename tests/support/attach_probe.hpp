// SPDX-License-Identifier: MIT
// What the kernel this runs on allows, learned outside nettrace with
// libbpf alone: one tiny program of a mechanism (fentry, kprobe,
// kprobe_multi) loaded and attached on ip_rcv, then detached.
#pragma once

#include <string>
#include <vector>

namespace nettrace::test {

// The mechanisms beyond tracepoints, as NETTRACE_EXPECT_ATTACH names them.
const std::vector<std::string> &attach_mechanisms();

// Empty when `mechanism` works here, else the stage and its errno text.
std::string try_attach_mechanism(const std::string &mechanism);

} // namespace nettrace::test
