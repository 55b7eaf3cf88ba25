// SPDX-License-Identifier: MIT
// Where the running kernel shows what nettrace reads: every path is
// spelled here once, so that a kernel that moves one is fixed in one place.
#pragma once

namespace nettrace::kernel_paths {

// Kernel BTF: vmlinux's, and one split file per module beside it.
inline constexpr char btf_dir[] = "/sys/kernel/btf";
inline constexpr char vmlinux_btf[] = "/sys/kernel/btf/vmlinux";
// tracefs, where it is mounted since 4.1, then where debugfs keeps it.
inline constexpr char tracing_dir[] = "/sys/kernel/tracing";
inline constexpr char debug_tracing_dir[] = "/sys/kernel/debug/tracing";
inline constexpr const char *tracing_dirs[] = {tracing_dir, debug_tracing_dir};
inline constexpr char kallsyms[] = "/proc/kallsyms";
// The sysctls that decide whether kallsyms shows addresses to a process.
inline constexpr char kptr_restrict[] = "/proc/sys/kernel/kptr_restrict";
inline constexpr char perf_event_paranoid[] = "/proc/sys/kernel/perf_event_paranoid";
// Present when the kernel can make kprobes (perf event source).
inline constexpr char kprobe_event_source[] = "/sys/bus/event_source/devices/kprobe";
inline constexpr char lockdown[] = "/sys/kernel/security/lockdown";

} // namespace nettrace::kernel_paths
