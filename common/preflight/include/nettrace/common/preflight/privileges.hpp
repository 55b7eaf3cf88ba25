// SPDX-License-Identifier: MIT
// What this process may do in this kernel: its privileges, the lockdown
// mode, and the check every tracing command makes before it opens anything.
#pragma once

#include <string>

namespace nettrace::preflight {

// What this process may do with BPF: root, or the capabilities that
// stand for it (CAP_BPF and CAP_PERFMON since 5.8, CAP_SYS_ADMIN always).
// Capabilities count only in the initial user namespace: root in a
// rootless container holds them all and may still load nothing.
struct Privileges {
	unsigned uid = 0;     // effective
	bool cap_bpf = false; // effective capabilities
	bool cap_perfmon = false;
	bool cap_sys_admin = false;
	bool initial_user_namespace = true;
	std::string unreadable; // why capget failed; empty when it did not

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

} // namespace nettrace::preflight
