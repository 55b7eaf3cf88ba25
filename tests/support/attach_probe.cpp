#include "attach_probe.hpp"

#include "attach_probe.skel.h"

#include <nettrace/common/bpf_loader.hpp>

namespace nettrace::test {

const std::vector<std::string> &attach_mechanisms()
{
	static const std::vector<std::string> names = {"fentry", "kprobe", "kprobe_multi"};
	return names;
}

std::string try_attach_mechanism(const std::string &mechanism)
{
	bpf::capture_libbpf_log(false); // its failures are the answer, not noise
	try {
		bpf::Skeleton<attach_probe_bpf> skel(NETTRACE_SKELETON_OPS(attach_probe_bpf),
						     "attach_probe");
		bpf_program__set_autoload(skel->progs.by_fentry, mechanism == "fentry");
		bpf_program__set_autoload(skel->progs.by_kprobe, mechanism == "kprobe");
		bpf_program__set_autoload(skel->progs.by_kprobe_multi, mechanism == "kprobe_multi");
		skel.load();
		skel.attach();
		return {};
	} catch (const std::exception &e) {
		return e.what();
	}
}

} // namespace nettrace::test
