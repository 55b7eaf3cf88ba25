// SPDX-License-Identifier: MIT
// How the kernel says a process's BPF programs are attached: its link
// file descriptors (from /proc/PID/fdinfo), each described by bpftool.
// Independent of the tool under test, which is what the tests compare
// its own report against.
#pragma once

#include <string>
#include <vector>

namespace nettrace::test {

struct KernelLink {
	unsigned id = 0;
	std::string program;    // the program's name, as bpftool shows it
	std::string tracepoint; // the event of a raw tracepoint link, else ""
	// The attach mechanism, named as the tools name it: "tp_btf",
	// "fentry", "raw_tp", "tracepoint" or "kprobe" ("?link-type" else).
	std::string mechanism;
};

// The BPF links process `pid` holds open.
std::vector<KernelLink> bpf_links_of(int pid);

} // namespace nettrace::test
