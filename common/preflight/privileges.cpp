// SPDX-License-Identifier: MIT
#include <nettrace/common/kernel/fixes.hpp>
#include <nettrace/common/kernel/paths.hpp>
#include <nettrace/common/preflight/privileges.hpp>
#include <nettrace/errors.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace nettrace::preflight {

namespace {

bool has_capability(const __user_cap_data_struct (&caps)[2], int cap)
{
	return caps[cap / 32].effective & (1u << (cap % 32));
}

} // namespace

std::string lockdown_mode()
{
	std::ifstream in(kernel_paths::lockdown);
	std::string text;
	std::getline(in, text);
	const auto open = text.find('['), close = text.find(']');
	if (open == std::string::npos || close == std::string::npos)
		return {};
	return text.substr(open + 1, close - open - 1);
}

Privileges current_privileges()
{
	__user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct caps[2]{};
	Privileges p;
	p.uid = geteuid();
	if (syscall(SYS_capget, &header, caps) != 0) {
		p.unreadable = std::strerror(errno);
		return p;
	}
	constexpr int cap_sys_admin = 21, cap_perfmon = 38, cap_bpf = 39;
	// The initial namespace maps every uid onto itself.
	std::ifstream uid_map("/proc/self/uid_map");
	unsigned long inside = 0, outside = 0, count = 0;
	if (uid_map >> inside >> outside >> count)
		p.initial_user_namespace = inside == 0 && outside == 0 && count == 4294967295UL;
	p.cap_sys_admin = has_capability(caps, cap_sys_admin);
	p.cap_perfmon = has_capability(caps, cap_perfmon);
	p.cap_bpf = has_capability(caps, cap_bpf);
	return p;
}

std::string missing_privileges()
{
	const Privileges p = current_privileges();
	if (!p.unreadable.empty())
		return fmt::format("cannot read this process's capabilities: {}", p.unreadable);
	if (p.sufficient())
		return {};
	if (!p.initial_user_namespace)
		return "runs in a user namespace (a rootless container?), whose capabilities "
		       "do not reach BPF: run nettrace in the host's user namespace";
	std::string missing;
	if (!p.cap_bpf)
		missing += "CAP_BPF";
	if (!p.cap_perfmon)
		missing += missing.empty() ? "CAP_PERFMON" : " and CAP_PERFMON";
	return fmt::format("needs root, or CAP_BPF and CAP_PERFMON (running as uid {} "
			   "without {})",
			   p.uid, missing);
}

void require_bpf_environment()
{
	if (const std::string why = missing_privileges(); !why.empty())
		throw RuntimeError(why);
	if (access(kernel_paths::vmlinux_btf, R_OK) != 0)
		throw RuntimeError(fmt::format("this kernel has no BTF ({} is missing): {}",
					       kernel_paths::vmlinux_btf,
					       fix::boot_kernel_with_btf));
}

} // namespace nettrace::preflight
