// SPDX-License-Identifier: MIT
#include "kernel_checks.hpp"

#include <nettrace/common/bpf/skeleton.hpp>
#include <nettrace/common/kernel/btf.hpp>
#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/common/kernel/fixes.hpp>
#include <nettrace/common/kernel/paths.hpp>
#include <nettrace/common/kernel/symbols.hpp>
#include <nettrace/common/preflight/privileges.hpp>

#include <bpf/libbpf.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace nettrace::doctor {

namespace fs = std::filesystem;

namespace {

const std::string run_as_root = fix::run_as_root;

// The first mount point of file system `type`, from /proc/self/mountinfo.
std::string mount_point(std::string_view type)
{
	std::ifstream in("/proc/self/mountinfo");
	for (std::string line; std::getline(in, line);) {
		// ID PARENT MAJ:MIN ROOT POINT OPTIONS [TAGS...] - TYPE SOURCE OPTS
		std::istringstream fields(line);
		std::string id, parent, dev, root, point, word;
		fields >> id >> parent >> dev >> root >> point;
		while (fields >> word && word != "-") {
		}
		if (fields >> word && word == type)
			return point;
	}
	return {};
}

std::size_t loaded_modules()
{
	std::ifstream in("/proc/modules");
	std::size_t n = 0;
	for (std::string line; std::getline(in, line);)
		++n;
	return n;
}

} // namespace

std::vector<Finding> check_btf(const std::string &release)
{
	std::vector<Finding> out;
	std::error_code ec;
	const auto size = fs::file_size(KernelBtf::vmlinux_path, ec);
	if (ec)
		out.push_back({"vmlinux BTF",
			       Status::Missing,
			       fmt::format("{} is missing: no CO-RE, no tp_btf or fentry",
					   KernelBtf::vmlinux_path),
			       fix::boot_kernel_with_btf,
			       {}});
	else
		out.push_back({"vmlinux BTF",
			       Status::Ok,
			       fmt::format("{} ({:.1f} MB) for {}", KernelBtf::vmlinux_path,
					   size / 1e6, release),
			       {},
			       {}});

	std::size_t module_btfs = 0;
	for (const auto &entry : fs::directory_iterator(kernel_paths::btf_dir, ec))
		module_btfs += entry.path().filename() != "vmlinux";
	const std::size_t modules = loaded_modules();
	if (modules > 0 && module_btfs == 0)
		out.push_back({"module BTF",
			       Status::Degraded,
			       fmt::format("{} modules loaded, none with BTF: drop reasons of "
					   "module subsystems read as numbers",
					   modules),
			       fix::boot_kernel_with_module_btf,
			       {}});
	else
		out.push_back(
			{"module BTF",
			 Status::Ok,
			 fmt::format("{} of {} loaded modules have BTF", module_btfs, modules),
			 {},
			 {}});
	return out;
}

std::vector<Finding> check_privileges()
{
	const preflight::Privileges p = preflight::current_privileges();
	std::vector<Finding> out;
	if (!p.unreadable.empty()) {
		out.push_back({"privileges",
			       Status::Missing,
			       "cannot read this process's capabilities: " + p.unreadable,
			       {},
			       {}});
		return out;
	}
	const bool caps = p.capabilities_suffice();
	if (!p.initial_user_namespace)
		out.push_back({"root",
			       Status::Missing,
			       fmt::format("running as uid {} in a user namespace (a rootless "
					   "container?): capabilities there do not reach BPF",
					   p.uid),
			       "run nettrace in the host's user namespace",
			       {}});
	else if (p.uid == 0 && caps)
		out.push_back({"root", Status::Ok, "running as uid 0", {}, {}});
	else if (p.uid == 0)
		out.push_back({"root",
			       Status::Missing,
			       "running as uid 0 without the capabilities below (a container "
			       "that drops them?)",
			       "give it CAP_BPF and CAP_PERFMON (docker run --cap-add BPF "
			       "--cap-add PERFMON), or run on the host",
			       {}});
	else
		out.push_back({"root",
			       caps ? Status::Ok : Status::Missing,
			       fmt::format("running as uid {}{}", p.uid,
					   caps ? ", with the capabilities below" : ""),
			       caps ? "" : run_as_root,
			       {}});
	auto cap = [&](const char *name, bool held, const char *needed_for, bool covered,
		       const char *covered_by) {
		if (held)
			out.push_back({name, Status::Ok, "held", {}, {}});
		else if (covered)
			out.push_back({name,
				       Status::Ok,
				       fmt::format("not held; {}", covered_by),
				       {},
				       {}});
		else
			out.push_back({name,
				       Status::Missing,
				       fmt::format("not held: needed {}", needed_for),
				       run_as_root,
				       {}});
	};
	cap("CAP_BPF", p.cap_bpf, "to load BPF programs and maps", p.cap_sys_admin,
	    "CAP_SYS_ADMIN stands for it");
	cap("CAP_PERFMON", p.cap_perfmon, "to attach tracing programs and read kernel memory",
	    p.cap_sys_admin, "CAP_SYS_ADMIN stands for it");
	cap("CAP_SYS_ADMIN", p.cap_sys_admin,
	    "on kernels before 5.8, or in place of CAP_BPF and CAP_PERFMON",
	    p.cap_bpf && p.cap_perfmon, "CAP_BPF and CAP_PERFMON suffice on 5.8 and later");

	const std::string lockdown = preflight::lockdown_mode();
	if (lockdown == "confidentiality")
		out.push_back({"lockdown",
			       Status::Missing,
			       "confidentiality: kprobes, tracefs and BPF reads of kernel memory "
			       "are forbidden, so packets cannot be read",
			       "boot without lockdown=confidentiality",
			       {}});
	else if (!lockdown.empty())
		out.push_back({"lockdown", Status::Ok, lockdown, {}, {}});
	else
		out.push_back({"lockdown",
			       Status::Ok,
			       "not known: securityfs is not mounted (no lockdown LSM, or "
			       "mount -t securityfs none /sys/kernel/security to see)",
			       {},
			       {}});
	return out;
}

std::vector<Finding> check_filesystems()
{
	std::vector<Finding> out;
	const std::string tracefs = mount_point("tracefs");
	const std::string debugfs = mount_point("debugfs");
	if (!tracefs.empty())
		out.push_back({"tracefs", Status::Ok, "mounted on " + tracefs, {}, {}});
	else
		out.push_back({"tracefs",
			       Status::Missing,
			       "not mounted: tracepoints by name and drop-reason names from "
			       "tracefs are unavailable",
			       fix::mount_tracefs(),
			       {}});
	if (!debugfs.empty())
		out.push_back({"debugfs", Status::Ok, "mounted on " + debugfs, {}, {}});
	else if (!tracefs.empty())
		out.push_back({"debugfs",
			       Status::Ok,
			       "not mounted; not needed while tracefs is",
			       {},
			       {}});
	else
		out.push_back({"debugfs",
			       Status::Missing,
			       "not mounted",
			       "mount -t debugfs nodev /sys/kernel/debug",
			       {}});
	return out;
}

std::vector<Finding> check_kernel_symbols()
{
	const char *path = KernelSymbols::default_path;
	try {
		const KernelSymbols symbols = KernelSymbols::load(path);
		if (symbols.addresses_hidden())
			return {{"kallsyms",
				 Status::Degraded,
				 fmt::format("{} shows zero addresses: stacks print as bare "
					     "addresses",
					     path),
				 std::string(KernelSymbols::hidden_addresses_fix()),
				 {}}};
		return {{"kallsyms",
			 Status::Ok,
			 fmt::format("{} has {} symbols with real addresses", path, symbols.size()),
			 {},
			 {}}};
	} catch (const std::exception &e) {
		return {{"kallsyms",
			 Status::Degraded,
			 fmt::format("{}: stacks print as bare addresses", e.what()),
			 "run as root",
			 {}}};
	}
}

std::vector<Finding> check_drop_reporting()
{
	std::vector<Finding> out;
	// Without privileges the kernel refuses every map, and libbpf's probe
	// would read that as "no ring buffer".
	const int ringbuf = preflight::current_privileges().sufficient()
				    ? libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr)
				    : -EPERM;
	if (ringbuf == 1)
		out.push_back(
			{"ring buffer", Status::Ok, "BPF ring buffer maps can be made", {}, {}});
	else if (ringbuf == 0)
		out.push_back({"ring buffer",
			       Status::Missing,
			       "the kernel has no BPF ring buffer (before 5.8)",
			       "boot a 5.8 or later kernel",
			       {}});
	else
		out.push_back({"ring buffer", Status::Missing,
			       fmt::format("cannot be tried: {}", std::strerror(-ringbuf)),
			       ringbuf == -EPERM ? run_as_root : "",
			       strerrorname_np(-ringbuf) ? strerrorname_np(-ringbuf) : ""});

	const KernelFacts facts = KernelFacts::read();
	const std::optional<KfreeSkbLayout> &kfree_skb = facts.kfree_skb;
	if (!kfree_skb)
		out.push_back({"kfree_skb",
			       Status::Missing,
			       "no BTF prototype for skb:kfree_skb: its arguments are unknown",
			       fix::boot_kernel_with_btf,
			       {}});
	else if (kfree_skb->has_rx_sk)
		out.push_back({"kfree_skb",
			       Status::Ok,
			       "skb:kfree_skb carries reason and rx_sk",
			       {},
			       {}});
	else if (kfree_skb->has_reason)
		out.push_back({"kfree_skb",
			       Status::Degraded,
			       "skb:kfree_skb carries reason but no rx_sk (kernel before 6.11): "
			       "a drop before the socket lookup has no socket",
			       {},
			       {}});
	else
		out.push_back(
			{"kfree_skb",
			 Status::Degraded,
			 "skb:kfree_skb carries no reason (kernel before 5.17)",
			 std::string(fix::boot_kernel_with_drop_reasons) + " for drop reasons",
			 {}});

	const DropReasons &reasons = facts.reasons;
	if (reasons.empty())
		out.push_back({"drop reasons",
			       Status::Degraded,
			       "codes are shown as UNKNOWN_<code>: " + reasons.unavailable_reason(),
			       {},
			       {}});
	else
		out.push_back({"drop reasons",
			       Status::Ok,
			       fmt::format("{} core reasons; {} subsystems named, with {} "
					   "reasons of their own; from {}",
					   reasons.core_count(), reasons.subsystem_count(),
					   reasons.subsystem_reason_count(), reasons.origin()),
			       {},
			       {}});
	return out;
}

} // namespace nettrace::doctor
