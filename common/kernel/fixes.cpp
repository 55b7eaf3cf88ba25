// SPDX-License-Identifier: MIT
#include <nettrace/common/kernel/fixes.hpp>
#include <nettrace/common/kernel/paths.hpp>

#include <fmt/format.h>

#include <fstream>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace nettrace::fix {

namespace {

// A sysctl's integer value, -1 when it cannot be read.
int read_sysctl(const char *path)
{
	std::ifstream in(path);
	int value = -1;
	return in >> value ? value : -1;
}

// Read here rather than through preflight, which is above this room:
// the advice needs only this one capability.
bool holds_cap_syslog()
{
	constexpr int cap_syslog = 34;
	__user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct caps[2]{};
	if (syscall(SYS_capget, &header, caps) != 0)
		return false;
	return caps[cap_syslog / 32].effective & (1u << (cap_syslog % 32));
}

} // namespace

std::string mount_tracefs()
{
	return std::string("mount -t tracefs nodev ") + kernel_paths::tracing_dir;
}

AddressPolicy AddressPolicy::read()
{
	return {read_sysctl(kernel_paths::kptr_restrict),
		read_sysctl(kernel_paths::perf_event_paranoid), holds_cap_syslog()};
}

// The kernel shows /proc/kallsyms addresses (kallsyms_show_value) at
// kptr_restrict=0 to everyone when perf_event_paranoid <= 1, else to
// CAP_SYSLOG only; at 1 to CAP_SYSLOG only; at 2 to no one.
std::string show_kernel_addresses(const AddressPolicy &p)
{
	if (p.kptr_restrict >= 2)
		return p.cap_syslog
			       ? "set kernel.kptr_restrict=1 (2 hides addresses even from root)"
			       : "set kernel.kptr_restrict=1 (2 hides addresses from everyone) "
				 "and grant CAP_SYSLOG";
	if (p.cap_syslog)
		return "set kernel.kptr_restrict to 0 or 1";
	if (p.kptr_restrict == 1)
		return "grant CAP_SYSLOG (kernel.kptr_restrict=1 shows addresses only to it), or "
		       "set kernel.kptr_restrict=0 and kernel.perf_event_paranoid=1";
	if (p.kptr_restrict == 0 && p.perf_event_paranoid >= 2)
		return fmt::format("grant CAP_SYSLOG, or set kernel.perf_event_paranoid=1 (at {}, "
				   "kernel.kptr_restrict=0 shows addresses only to CAP_SYSLOG)",
				   p.perf_event_paranoid);
	return "run as root, or grant CAP_SYSLOG and set kernel.kptr_restrict to 0 or 1";
}

std::string show_kernel_addresses()
{
	return show_kernel_addresses(AddressPolicy::read());
}

} // namespace nettrace::fix
