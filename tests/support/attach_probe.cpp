// SPDX-License-Identifier: MIT
#include "attach_probe.hpp"

#include "attach_probe.skel.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>

namespace nettrace::test {

const std::vector<std::string> &attach_mechanisms()
{
	static const std::vector<std::string> names = {"fentry", "kprobe", "kprobe_multi"};
	return names;
}

std::string try_attach_mechanism(const std::string &mechanism)
{
	// libbpf alone, not nettrace's loader: an oracle that shares no code
	// with what it judges.
	// Its failures are the answer, not noise.
	struct QuietLibbpf {
		libbpf_print_fn_t before = libbpf_set_print(nullptr);
		~QuietLibbpf() { libbpf_set_print(before); }
	} quiet;
	attach_probe_bpf *skel = attach_probe_bpf__open();
	if (!skel)
		return std::string("open: ") + std::strerror(errno);
	bpf_program__set_autoload(skel->progs.by_fentry, mechanism == "fentry");
	bpf_program__set_autoload(skel->progs.by_kprobe, mechanism == "kprobe");
	bpf_program__set_autoload(skel->progs.by_kprobe_multi, mechanism == "kprobe_multi");
	std::string error;
	if (int err = attach_probe_bpf__load(skel))
		error = std::string("load: ") + std::strerror(-err);
	else if ((err = attach_probe_bpf__attach(skel)))
		error = std::string("attach: ") + std::strerror(-err);
	attach_probe_bpf__destroy(skel);
	return error;
}

} // namespace nettrace::test
