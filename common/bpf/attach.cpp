// SPDX-License-Identifier: MIT
#include <nettrace/common/bpf/attach.hpp>
#include <nettrace/common/kernel/btf.hpp>
#include <nettrace/common/kernel/fixes.hpp>
#include <nettrace/common/kernel/paths.hpp>
#include <nettrace/common/preflight/privileges.hpp>

#include <bpf/libbpf.h>
#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace nettrace::bpf {

namespace {

constexpr int enotsupp = 524; // the kernel's own, not in userspace headers

constexpr std::array<std::pair<AttachKind, const char *>, 6> kind_names = {{
	{AttachKind::Tracepoint, "tracepoint"},
	{AttachKind::RawTp, "raw_tp"},
	{AttachKind::TpBtf, "tp_btf"},
	{AttachKind::Kprobe, "kprobe"},
	{AttachKind::KprobeMulti, "kprobe.multi"},
	{AttachKind::Fentry, "fentry"},
}};

bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

// Whether root is refused what ftrace offers everyone else it trusts: a
// kernel that does so refuses trampolines (fentry) for the same reason.
bool refuses_ftrace_to_root()
{
	if (geteuid() != 0)
		return false;
	for (const char *dir : kernel_paths::tracing_dirs) {
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

Cause config_off(const KernelConfig &config, const char *option, std::string fix)
{
	return {fmt::format("{} is not set ({})", option, config.source()), std::move(fix)};
}

// The build option `kind` needs when the kernel's config says it is off:
// that fails as root too, so it comes before any cause of this process's
// own. Nothing when the config shows none off (or cannot be read).
Cause config_cause(AttachKind kind, const KernelConfig &config)
{
	const char *options[2] = {};
	switch (kind) {
	case AttachKind::Tracepoint:
		options[0] = "CONFIG_BPF_EVENTS";
		break;
	case AttachKind::RawTp:
	case AttachKind::TpBtf:
		break;
	case AttachKind::Kprobe:
		options[0] = "CONFIG_KPROBES";
		break;
	case AttachKind::KprobeMulti:
		options[0] = "CONFIG_FPROBE";
		break;
	case AttachKind::Fentry:
		options[0] = "CONFIG_BPF_JIT";
		options[1] = "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS";
		break;
	}
	for (const char *option : options)
		if (option && config.off(option))
			return config_off(config, option,
					  fmt::format("boot a kernel built with {}=y{}", option,
						      kind == AttachKind::KprobeMulti
							      ? " (nettrace uses single kprobes "
								"without it)"
							      : ""));
	return {};
}

// What only `kind` fails for, besides its build options (config_cause);
// nothing when none of it applies.
Cause explain_kind(AttachKind kind, const AttachFailure &f, const AttachEnvironment &env)
{
	const std::string fix_kernel = "boot a kernel built with ";
	switch (kind) {
	case AttachKind::Tracepoint:
		// libbpf reads the tracepoint's id in tracefs, which is root's alone.
		if (env.tracefs_root_only)
			return {"tracefs is readable by root only, and libbpf reads the "
				"tracepoint's id there",
				"run as root"};
		if (!env.tracefs_mounted)
			return {"tracefs is not mounted", fix::mount_tracefs()};
		break;
	case AttachKind::RawTp:
	case AttachKind::TpBtf:
		if (f.err == ENOENT || f.err == ESRCH)
			return {fmt::format("the kernel has no {} tracepoint",
					    f.target.empty() ? "such" : f.target),
				""};
		break;
	case AttachKind::Kprobe:
		if (!env.kprobe_source && f.err == ENOENT)
			return {"the kernel has no kprobe event source: kprobes are compiled out "
				"(CONFIG_KPROBES)",
				fix_kernel + "CONFIG_KPROBES=y"};
		break;
	case AttachKind::KprobeMulti: {
		const std::string fix = fix_kernel + "CONFIG_FPROBE=y (nettrace uses single "
						     "kprobes without it)";
		const bool before_5_18 = env.release_major != 0 &&
					 (env.release_major < 5 ||
					  (env.release_major == 5 && env.release_minor < 18));
		if (f.err == EINVAL && before_5_18)
			return {"the kernel is older than 5.18, which brought kprobe.multi", ""};
		if (f.err == EOPNOTSUPP)
			return {"the kernel cannot attach many kprobes at once: it is built "
				"without CONFIG_FPROBE",
				fix};
		break;
	}
	case AttachKind::Fentry:
		if (f.err == enotsupp)
			return {"the kernel has no BPF trampolines on this architecture", ""};
		if (f.err == ESRCH || f.err == ENOENT)
			return {fmt::format("{} is not in the kernel's BTF",
					    f.target.empty() ? "the function" : f.target),
				""};
		if (f.err == EPERM && env.ftrace_refused)
			return {"the kernel refuses function tracing even to root "
				"(available_filter_functions is EPERM too): a hypervisor or "
				"security policy restricts ftrace here",
				""};
		break;
	}
	return {};
}

} // namespace

const char *name(AttachKind kind)
{
	for (const auto &[k, text] : kind_names)
		if (k == kind)
			return text;
	return "?";
}

const char *name(AttachFailure::Stage stage)
{
	switch (stage) {
	case AttachFailure::Stage::Open:
		return "open";
	case AttachFailure::Stage::Load:
		return "load";
	case AttachFailure::Stage::Attach:
		return "attach";
	}
	return "?";
}

AttachEnvironment AttachEnvironment::read()
{
	AttachEnvironment env;
	env.privileged = preflight::current_privileges().sufficient();
	env.missing_privileges = preflight::missing_privileges();
	env.lockdown = preflight::lockdown_mode();
	env.btf = KernelBtf::available();
	const std::string events = std::string(kernel_paths::tracing_dir) + "/events";
	const std::string debug_events = std::string(kernel_paths::debug_tracing_dir) + "/events";
	env.tracefs_root_only = access(events.c_str(), X_OK) != 0 && errno == EACCES;
	env.tracefs_mounted = exists(events.c_str()) || exists(debug_events.c_str());
	env.kprobe_source = exists(kernel_paths::kprobe_event_source);
	env.ftrace_refused = refuses_ftrace_to_root();
	utsname uts{};
	if (uname(&uts) != 0 ||
	    std::sscanf(uts.release, "%d.%d", &env.release_major, &env.release_minor) != 2)
		env.release_major = env.release_minor = 0;
	return env;
}

Cause explain(std::optional<AttachKind> kind, const AttachFailure &f, const KernelConfig &config,
	      const AttachEnvironment &env)
{
	if (kind)
		if (Cause cause = config_cause(*kind, config); !cause.why.empty())
			return cause;
	// EACCES from a load is the verifier's; EPERM is a refusal.
	const bool denied = f.err == EPERM;
	if ((denied || f.err == EACCES) && !env.privileged)
		return {env.missing_privileges, fix::run_as_root};
	const bool locked_out = !kind ? denied || f.err == EACCES
				      : *kind == AttachKind::Kprobe ||
						*kind == AttachKind::KprobeMulti ||
						*kind == AttachKind::Tracepoint || denied;
	if (locked_out && env.lockdown == "confidentiality")
		return {"kernel lockdown is in confidentiality mode, which forbids kprobes, "
			"tracefs and BPF reads of kernel memory",
			"boot without lockdown=confidentiality"};
	if (!kind)
		return {};
	const bool needs_btf = *kind == AttachKind::TpBtf || *kind == AttachKind::Fentry;
	if (needs_btf && !env.btf)
		return {"the kernel has no BTF (CONFIG_DEBUG_INFO_BTF is off)",
			fix::boot_kernel_with_btf};
	if (Cause cause = explain_kind(*kind, f, env); !cause.why.empty())
		return cause;
	// bpf() says E2BIG when its request has fields the kernel does not
	// know (set and nonzero), or the program exceeds the verifier's limits.
	if (f.err == E2BIG && f.stage == AttachFailure::Stage::Load)
		return {"the program is larger than this kernel accepts: the kernel predates "
			"a feature it uses, or it exceeds the verifier's limits",
			""};
	if (denied)
		return {"refused although this process has the privileges: a security "
			"module (the BPF LSM, SELinux, AppArmor) or the hypervisor forbids it here",
			""};
	return {};
}

Cause explain(AttachKind kind, const AttachFailure &failure, const KernelConfig *config)
{
	return explain(kind, failure, config ? *config : KernelConfig::running(),
		       AttachEnvironment::read());
}

Cause explain(const AttachFailure &failure)
{
	return explain(std::nullopt, failure, KernelConfig{}, AttachEnvironment::read());
}

std::string errno_name(int err)
{
	if (err == enotsupp)
		return "ENOTSUPP";
	if (err >= 4000)
		return fmt::format("libbpf error {}", err); // LIBBPF_ERRNO__*
	const char *name = strerrorname_np(err);
	return name ? name : fmt::format("errno {}", err);
}

std::string errno_text(int err)
{
	if (err == enotsupp)
		return "Operation not supported by the kernel";
	char text[128] = "";
	libbpf_strerror(err, text, sizeof(text)); // strerror's words, and libbpf's own
	return text;
}

std::string failure_text(AttachKind kind, AttachFailure f, const char *target, const char *refused)
{
	if (target)
		f.target = target;
	if (f.stage == AttachFailure::Stage::Open)
		return fmt::format("{}: {}", name(kind), f.libbpf_says);
	const Cause cause = explain(kind, f);
	const std::string what = errno_text(f.err) + (cause.why.empty() ? "" : ": " + cause.why);
	if (f.stage == AttachFailure::Stage::Attach)
		return fmt::format("{}: {}", name(kind), what);
	return fmt::format("{}: the kernel {} ({})", name(kind), refused, what);
}

bool refuses_every_program(int err)
{
	err = err < 0 ? -err : err;
	return err == EPERM || err == EOPNOTSUPP || err == enotsupp || err == ENOSYS;
}

} // namespace nettrace::bpf
