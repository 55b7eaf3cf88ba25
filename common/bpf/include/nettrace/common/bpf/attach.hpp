// SPDX-License-Identifier: MIT
// The ways nettrace attaches a BPF program, and why one failed: every
// command and doctor name a failure's likely cause with the same words.
#pragma once

#include <nettrace/common/kernel/config.hpp>

#include <optional>
#include <string>

namespace nettrace::bpf {

enum class AttachKind { Tracepoint, RawTp, TpBtf, Kprobe, KprobeMulti, Fentry };

// As SEC(), the messages and --attach spell it: "tracepoint", "tp_btf",
// "kprobe.multi", ...
const char *name(AttachKind kind);

// Where a program failed, and the errno it failed with.
struct AttachFailure {
	enum class Stage { Open, Load, Attach };
	Stage stage = Stage::Load;
	int err = 0;             // positive errno; 0 when the stage gave none
	std::string libbpf_says; // libbpf's last line, or the error thrown
	std::string target;      // what it attaches to ("kfree_skb", "ip_rcv"), if known
};
// "open", "load", "attach".
const char *name(AttachFailure::Stage stage);

// A failure's likely cause and what to do about it. Both empty when
// nothing that can be read without guessing explains it.
struct Cause {
	std::string why;
	std::string fix; // may be empty: nothing the user can change
};

// What explain() reads about this process and kernel, besides the config.
struct AttachEnvironment {
	bool privileged = true;         // preflight::Privileges::sufficient()
	std::string missing_privileges; // preflight::missing_privileges()
	std::string lockdown;           // preflight::lockdown_mode()
	bool btf = true;                // KernelBtf::available()
	bool tracefs_root_only = false; // events/ there is EACCES to this process
	bool tracefs_mounted = true;
	bool kprobe_source = true;                // /sys/bus/event_source/devices/kprobe
	bool ftrace_refused = false;              // root gets EPERM on available_filter_functions
	int release_major = 0, release_minor = 0; // uname's, 0 when unknown

	// This process's and kernel's, read anew.
	static AttachEnvironment read();
};

// The likeliest reason a program of `kind` failed with `failure` on this
// kernel, from privileges, lockdown, the kernel config (the running
// kernel's when none is given), BTF and the kernel's own interfaces.
Cause explain(AttachKind kind, const AttachFailure &failure, const KernelConfig *config = nullptr);
// The same for an object whose programs may be of several kinds: only
// what any program would fail for (privileges, lockdown).
Cause explain(const AttachFailure &failure);
// The same against a given environment and config, for tests.
Cause explain(std::optional<AttachKind> kind, const AttachFailure &failure,
	      const KernelConfig &config, const AttachEnvironment &environment);

// An errno's name ("EPERM"; "ENOTSUPP" for the kernel's 524) and its text
// (strerror's words, the kernel's for 524 and libbpf's for its own codes).
std::string errno_name(int err);
std::string errno_text(int err);

// Why `kind` failed at `target` (nullptr: the failure's own), in one
// line naming the cause as doctor does. `refused` says how a load
// failure reads: "refused to load it" when the kind failed as a whole,
// "rejected the program" when one program did.
std::string failure_text(AttachKind kind, AttachFailure failure, const char *target,
			 const char *refused = "refused to load it");

// Whether `err` from a load refuses the kind itself, whatever the program,
// so that trying the programs one at a time would not help.
bool refuses_every_program(int err);

} // namespace nettrace::bpf
