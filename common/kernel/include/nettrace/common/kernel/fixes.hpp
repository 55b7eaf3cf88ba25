// SPDX-License-Identifier: MIT
// What to do about a missing piece, said the same way by every command
// and by doctor: each sentence is written here once. Here, in the lowest
// room that speaks them, so that the kernel room's own errors can too.
#pragma once

#include <string>

namespace nettrace::fix {

inline constexpr char run_as_root[] = "run as root, or give nettrace CAP_BPF and CAP_PERFMON";
inline constexpr char boot_kernel_with_btf[] = "boot a kernel built with CONFIG_DEBUG_INFO_BTF=y";
inline constexpr char boot_kernel_with_module_btf[] =
	"boot a kernel built with CONFIG_DEBUG_INFO_BTF_MODULES=y";
inline constexpr char boot_kernel_with_drop_reasons[] = "boot a 5.17 or later kernel";
// "mount -t tracefs nodev /sys/kernel/tracing"
std::string mount_tracefs();
// What decides whether /proc/kallsyms shows this process real addresses.
struct AddressPolicy {
	int kptr_restrict = -1;       // kernel.kptr_restrict, -1 when unreadable
	int perf_event_paranoid = -1; // kernel.perf_event_paranoid, likewise
	bool cap_syslog = false;      // held by this process (root holds it)

	static AddressPolicy read();
};
// What to do when /proc/kallsyms shows zero addresses, for this policy:
// CAP_SYSLOG, or the sysctls that show addresses without it.
std::string show_kernel_addresses(const AddressPolicy &policy);
// The same for this process and kernel, read anew.
std::string show_kernel_addresses();

} // namespace nettrace::fix
