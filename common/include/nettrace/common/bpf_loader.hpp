// SPDX-License-Identifier: MIT
// Opening, loading and attaching a libbpf skeleton with errors that say
// what failed and what to do: missing privileges, missing BTF, a program
// the verifier rejected (with the verifier's last lines), an attach point
// the kernel does not have.
#pragma once

#include <nettrace/errors.hpp>

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstddef>
#include <string>
#include <string_view>

namespace nettrace::bpf {

// Routes libbpf's messages into a buffer of recent lines, so that a failure
// can quote them; with `verbose` they are also printed on stderr.
void capture_libbpf_log(bool verbose);
// The same for a plugin's check, which runs inside `nettrace doctor`:
// lines are kept, never printed here, and passed on to the printer that
// was installed before (doctor's, which prints them with doctor -v).
void capture_libbpf_log_for_check();
// The last `max_lines` lines libbpf printed since the last clear.
std::string libbpf_log_tail(std::size_t max_lines);
void clear_libbpf_log();
// A line of nettrace's own about loading, kept and printed as libbpf's
// warnings are.
void log_load_warning(std::string_view line);

// What this process may do with BPF: root, or the capabilities that
// stand for it (CAP_BPF and CAP_PERFMON since 5.8, CAP_SYS_ADMIN always).
// Capabilities count only in the initial user namespace: root in a
// rootless container holds them all and may still load nothing.
struct Privileges {
	unsigned uid = 0;        // effective
	bool cap_bpf = false;    // effective capabilities
	bool cap_perfmon = false;
	bool cap_sys_admin = false;
	bool initial_user_namespace = true;
	std::string unreadable;  // why capget failed; empty when it did not

	bool capabilities_suffice() const { return cap_sys_admin || (cap_bpf && cap_perfmon); }
	bool sufficient() const { return initial_user_namespace && capabilities_suffice(); }
};
Privileges current_privileges();
// Empty when this process may load and attach tracing programs, else one
// line saying which privileges are missing.
std::string missing_privileges();
// The lockdown LSM's mode ("none", "integrity", "confidentiality"); empty
// when securityfs is not mounted or has no lockdown file.
std::string lockdown_mode();
// Throws RuntimeError unless the process has the privileges and the kernel
// has BTF: both are needed before anything is opened.
void require_bpf_environment();

// Turns a libbpf error (negative errno) at `stage` ("loading", "attaching")
// of `object` into a RuntimeError naming the cause and the fix.
[[noreturn]] void throw_bpf_error(std::string_view stage, std::string_view object, int err);

// What opening the object `name` (ELF image `elf`) needs, done: the BTF
// file for libbpf's btf_custom_path (empty: libbpf reads the kernel's own),
// and tp_btf/, fentry/ and fexit/ programs set to find their target's BTF
// id through KernelBtf, which remembers it (libbpf would parse the 5 MB
// vmlinux BTF at each start-up to find it; with libbpf 1.2 or later,
// libbpf still does). Both need what the programs use to be in vmlinux:
// CO-RE against the small BTF sees no module types, and attach targets
// are looked for in vmlinux only. Until finish_loading(), both share one
// parse of vmlinux BTF when something is not remembered yet.
std::string prepare_to_open(std::string_view name, std::string_view elf);
void finish_loading();

// The functions `bpftool gen skeleton` writes for a skeleton NAME.
template <typename Skel> struct SkeletonOps {
	Skel *(*open)(const struct bpf_object_open_opts *);
	int (*load)(Skel *);
	int (*attach)(Skel *);
	void (*destroy)(Skel *);
	const void *(*elf_bytes)(std::size_t *);
};
#define NETTRACE_SKELETON_OPS(NAME)                                            \
	::nettrace::bpf::SkeletonOps<NAME> { NAME##__open_opts, NAME##__load, NAME##__attach, \
					     NAME##__destroy, NAME##__elf_bytes }

// Owns a skeleton from open to destroy; destroying detaches everything, so
// an error at any stage leaves nothing attached.
template <typename Skel> class Skeleton {
public:
	Skeleton(SkeletonOps<Skel> ops, std::string name) : ops_(ops), name_(std::move(name))
	{
		clear_libbpf_log();
		std::size_t size = 0;
		const auto *elf = static_cast<const char *>(ops_.elf_bytes(&size));
		const std::string core_btf = prepare_to_open(name_, std::string_view(elf, size));
		LIBBPF_OPTS(bpf_object_open_opts, opts,
			    .btf_custom_path = core_btf.empty() ? nullptr : core_btf.c_str());
		skel_ = ops_.open(&opts);
		if (!skel_) {
			const int err = -errno;
			finish_loading();
			throw_bpf_error("opening", name_, err);
		}
	}
	~Skeleton()
	{
		finish_loading(); // if never loaded
		ops_.destroy(skel_);
	}
	Skeleton(const Skeleton &) = delete;
	Skeleton &operator=(const Skeleton &) = delete;

	Skel *operator->() const { return skel_; }
	Skel *get() const { return skel_; }
	const std::string &name() const { return name_; }

	void load()
	{
		if (int err = try_load())
			throw_bpf_error("loading", name_, err);
	}
	// For callers that fall back on failure: the negative errno, or 0.
	// libbpf's messages about it stay available (libbpf_log_tail).
	int try_load()
	{
		clear_libbpf_log();
		const int err = ops_.load(skel_);
		finish_loading();
		return err;
	}
	void attach()
	{
		clear_libbpf_log();
		if (int err = ops_.attach(skel_))
			throw_bpf_error("attaching", name_, err);
	}

private:
	SkeletonOps<Skel> ops_;
	std::string name_;
	Skel *skel_ = nullptr;
};

} // namespace nettrace::bpf
