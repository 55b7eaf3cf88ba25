// SPDX-License-Identifier: MIT
// Where the kernel hands a packet around: the functions and tracepoints
// that take a `struct sk_buff *`, found in the running kernel's BTF, and
// the functions ftrace lets a probe attach to.
#pragma once

#include <nettrace/common/kernel/btf.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nettrace {

// A function or tracepoint, and which of its arguments is the packet.
struct SkbTaker {
	std::string name;
	int argument = 0; // from 0
};

// How many leading arguments a probe can read from registers.
inline constexpr int skb_argument_limit = 5;

// The vmlinux functions with a `struct sk_buff *` among their first
// skb_argument_limit arguments (the first such), each name once, sorted;
// not the tracing machinery's own (__bpf_trace_*, perf_trace_*, ...).
std::vector<SkbTaker> functions_taking_skb(const KernelBtf &kernel);
// The tracepoints (btf_trace_<event>) with a `struct sk_buff *` argument,
// the first such, sorted.
std::vector<SkbTaker> tracepoints_taking_skb(const KernelBtf &kernel);
// Whether argument `argument` of tracepoint `event` is a struct sk_buff *
// on this kernel.
bool tracepoint_takes_skb(const KernelBtf &kernel, const std::string &event, int argument);

// The core kernel's functions that ftrace can attach to
// (available_filter_functions, without module functions); nothing when the
// file cannot be read, and then no function can be ruled out.
std::optional<std::set<std::string>> traceable_functions();

} // namespace nettrace
