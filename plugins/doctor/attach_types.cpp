#include "attach_types.hpp"

#include "doctor.skel.h"

#include <nettrace/common/preflight/privileges.hpp>
#include <nettrace/common/bpf/skeleton.hpp>
#include <nettrace/common/kernel/btf.hpp>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <cstdio>
#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace nettrace::doctor {

namespace {

enum class Kind { Tracepoint, RawTp, TpBtf, Kprobe, KprobeMulti, Fentry };

struct AttachType {
	Kind kind;
	const char *name;   // as the plugins' messages and SEC() say it
	const char *target; // what the program attaches to
	bpf_program *(*program)(doctor_bpf *);
};

const std::array<AttachType, 6> attach_types = {{
	{Kind::Tracepoint, "tracepoint", "skb:kfree_skb", [](doctor_bpf *s) { return s->progs.by_tracepoint; }},
	{Kind::RawTp, "raw_tp", "kfree_skb", [](doctor_bpf *s) { return s->progs.by_raw_tp; }},
	{Kind::TpBtf, "tp_btf", "kfree_skb", [](doctor_bpf *s) { return s->progs.by_tp_btf; }},
	{Kind::Kprobe, "kprobe", "ip_rcv", [](doctor_bpf *s) { return s->progs.by_kprobe; }},
	{Kind::KprobeMulti, "kprobe.multi", "ip_rcv", [](doctor_bpf *s) { return s->progs.by_kprobe_multi; }},
	{Kind::Fentry, "fentry", "ip_rcv", [](doctor_bpf *s) { return s->progs.by_fentry; }},
}};

// Where a try failed, and the errno it failed with.
struct Failure {
	const char *stage; // "open", "load", "attach"
	int err;           // positive errno; 0 when the stage gave none
	std::string libbpf_says; // its last line, or the error thrown
};

// Loads only `type`'s program and attaches it; nothing when both work.
// The link is destroyed at once: doctor leaves nothing attached.
std::optional<Failure> try_attach(const AttachType &type)
{
	try {
		bpf::Skeleton<doctor_bpf> skel(NETTRACE_SKELETON_OPS(doctor_bpf), "doctor");
		for (const AttachType &t : attach_types)
			bpf_program__set_autoload(t.program(skel.get()), t.kind == type.kind);
		if (const int err = skel.try_load())
			return Failure{"load", -err, bpf::libbpf_log_tail(1)};
		bpf::clear_libbpf_log();
		bpf_link *link = bpf_program__attach(type.program(skel.get()));
		// An error pointer, not NULL, from libbpf 0.x outside strict mode.
		if (const long err = libbpf_get_error(link))
			return Failure{"attach", static_cast<int>(-err), bpf::libbpf_log_tail(1)};
		bpf_link__destroy(link);
		return std::nullopt;
	} catch (const std::exception &e) {
		// The message carries the errno, if there was one.
		return Failure{"open", 0, e.what()};
	}
}

std::string errno_name(int err)
{
	if (err == 524)
		return "ENOTSUPP"; // the kernel's own, not in userspace headers
	if (err >= 4000)
		return fmt::format("libbpf error {}", err); // LIBBPF_ERRNO__*
	const char *name = strerrorname_np(err);
	return name ? name : fmt::format("errno {}", err);
}

std::string errno_text(int err)
{
	if (err == 524)
		return "Operation not supported by the kernel";
	char text[128] = "";
	libbpf_strerror(err, text, sizeof(text)); // strerror's words, and libbpf's own
	return text;
}

bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

// Whether root is refused what ftrace offers everyone else it trusts: a
// kernel that does so refuses trampolines (fentry) for the same reason.
bool ftrace_refused()
{
	if (geteuid() != 0)
		return false;
	for (const char *dir : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
		const std::string path = std::string(dir) + "/available_filter_functions";
		const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			return false;
		}
		if (errno == EPERM)
			return true;
	}
	return false;
}

// Whether the running kernel's release is below MAJOR.MINOR.
bool older_than(int major, int minor)
{
	utsname uts{};
	int have_major = 0, have_minor = 0;
	if (uname(&uts) != 0 || std::sscanf(uts.release, "%d.%d", &have_major, &have_minor) != 2)
		return false;
	return have_major < major || (have_major == major && have_minor < minor);
}

struct Cause {
	std::string why;
	std::string fix;
};

Cause config_off(const KernelConfig &config, const char *option, std::string fix)
{
	return {fmt::format("{} is not set ({})", option, config.source()), std::move(fix)};
}

// The likeliest reason `type` failed with `f` on this kernel, from what
// can be read without guessing: privileges, lockdown, the kernel config,
// BTF, and the kernel's own interfaces.
Cause likely_cause(const AttachType &type, const Failure &f, const KernelConfig &config)
{
	// EACCES from a load is the verifier's; EPERM is a refusal.
	const bool denied = f.err == EPERM;
	if ((denied || f.err == EACCES) && !preflight::current_privileges().sufficient())
		return {preflight::missing_privileges(),
			"run as root, or give nettrace CAP_BPF and CAP_PERFMON"};
	const bool locked_out = type.kind == Kind::Kprobe || type.kind == Kind::KprobeMulti ||
				type.kind == Kind::Tracepoint || denied;
	if (locked_out && preflight::lockdown_mode() == "confidentiality")
		return {"kernel lockdown is in confidentiality mode, which forbids kprobes, "
			"tracefs and BPF reads of kernel memory",
			"boot without lockdown=confidentiality"};
	const bool needs_btf = type.kind == Kind::TpBtf || type.kind == Kind::Fentry;
	if (needs_btf && !KernelBtf::available())
		return {"the kernel has no BTF (CONFIG_DEBUG_INFO_BTF is off)",
			"boot a kernel built with CONFIG_DEBUG_INFO_BTF=y"};
	const std::string fix_kernel = "boot a kernel built with ";
	switch (type.kind) {
	case Kind::Tracepoint:
		// libbpf reads the tracepoint's id in tracefs, which is root's alone.
		if (access("/sys/kernel/tracing/events", X_OK) != 0 && errno == EACCES)
			return {"tracefs is readable by root only, and libbpf reads the "
				"tracepoint's id there",
				"run as root"};
		if (!exists("/sys/kernel/tracing/events") && !exists("/sys/kernel/debug/tracing/events"))
			return {"tracefs is not mounted", "mount -t tracefs nodev /sys/kernel/tracing"};
		if (config.off("CONFIG_BPF_EVENTS"))
			return config_off(config, "CONFIG_BPF_EVENTS", fix_kernel + "CONFIG_BPF_EVENTS=y");
		break;
	case Kind::RawTp:
	case Kind::TpBtf:
		if (f.err == ENOENT || f.err == ESRCH)
			return {"the kernel has no kfree_skb tracepoint", ""};
		break;
	case Kind::Kprobe:
		if (config.off("CONFIG_KPROBES"))
			return config_off(config, "CONFIG_KPROBES", fix_kernel + "CONFIG_KPROBES=y");
		if (!exists("/sys/bus/event_source/devices/kprobe") && f.err == ENOENT)
			return {"the kernel has no kprobe event source: kprobes are compiled out "
				"(CONFIG_KPROBES)",
				fix_kernel + "CONFIG_KPROBES=y"};
		break;
	case Kind::KprobeMulti:
		if (config.off("CONFIG_FPROBE"))
			return config_off(config, "CONFIG_FPROBE",
					  fix_kernel + "CONFIG_FPROBE=y (nettrace uses single "
						       "kprobes without it)");
		if (f.err == EINVAL && older_than(5, 18))
			return {"the kernel is older than 5.18, which brought kprobe.multi", ""};
		if (f.err == EOPNOTSUPP)
			return {"the kernel cannot attach many kprobes at once: it is built "
				"without CONFIG_FPROBE",
				fix_kernel + "CONFIG_FPROBE=y (nettrace uses single kprobes "
					     "without it)"};
		break;
	case Kind::Fentry:
		if (config.off("CONFIG_BPF_JIT"))
			return config_off(config, "CONFIG_BPF_JIT", fix_kernel + "CONFIG_BPF_JIT=y");
		if (config.off("CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS"))
			return config_off(config, "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS",
					  fix_kernel + "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS=y");
		if (f.err == 524)
			return {"the kernel has no BPF trampolines on this architecture", ""};
		if (f.err == ESRCH || f.err == ENOENT)
			return {"ip_rcv is not in the kernel's BTF", ""};
		if (denied && ftrace_refused())
			return {"the kernel refuses function tracing even to root "
				"(available_filter_functions is EPERM too): a hypervisor or "
				"security policy restricts ftrace here",
				""};
		break;
	}
	if (denied)
		return {"refused although this process has the privileges: a security "
			"module (the BPF LSM, SELinux, AppArmor) or the hypervisor forbids it here",
			""};
	return {};
}

} // namespace

std::vector<Finding> check_attach_types(const KernelConfig &config)
{
	std::vector<Finding> out;
	for (const AttachType &type : attach_types) {
		Finding f{type.name, Status::Ok, fmt::format("attached to {}", type.target), {}, {}};
		if (const auto failure = try_attach(type)) {
			const Cause cause = likely_cause(type, *failure, config);
			f.status = Status::Missing;
			f.detail = fmt::format("{} failed", failure->stage);
			if (failure->err) {
				f.error = errno_name(failure->err);
				f.detail += fmt::format(": {} ({})", f.error,
							errno_text(failure->err));
			}
			if (!cause.why.empty())
				f.detail += ": " + cause.why;
			else if (!failure->libbpf_says.empty())
				f.detail += "; " + failure->libbpf_says;
			f.fix = cause.fix;
		}
		out.push_back(std::move(f));
	}
	return out;
}

} // namespace nettrace::doctor
