// SPDX-License-Identifier: MIT
// The BPF objects one process holds, and whether any of them outlives it:
// links, programs and maps are told apart by the process's own file
// descriptors, so other BPF users on the machine never count.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace nettrace::test {

struct BpfObjectIds {
	std::set<unsigned> links, progs, maps;

	bool empty() const { return links.empty() && progs.empty() && maps.empty(); }
};

// What process `pid` holds open, from /proc/PID/fdinfo.
BpfObjectIds bpf_objects_of(int pid);
// Those of `ids` that `bpftool -j link/prog/map show` lists now.
BpfObjectIds bpf_objects_listed(const BpfObjectIds &ids);
// Those of `ids` still listed, waited for up to a few seconds: the kernel
// frees maps and programs some time after their last reference goes.
BpfObjectIds bpf_objects_still_listed(const BpfObjectIds &ids);
// "links 12 13, progs 40, maps 7" for a failure message.
std::string describe(const BpfObjectIds &ids);

// Lines of tracefs's kprobe_events made for process `pid` (libbpf names
// the events it creates libbpf_<pid>_...); none when the kernel has no
// kprobe events.
std::vector<std::string> kprobe_events_of(int pid);
// Files under /sys/fs/bpf whose names contain `word`.
std::vector<std::string> bpffs_files_named(const std::string &word);

} // namespace nettrace::test
