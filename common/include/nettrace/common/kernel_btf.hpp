// SPDX-License-Identifier: MIT
// Questions about the running kernel answered from its BTF, used to pick
// the program variant that matches this kernel before loading anything.
#pragma once

#include <optional>
#include <string_view>

namespace nettrace {

// How many arguments the raw tracepoint `name` (e.g. "kfree_skb") passes to
// tp_btf programs on this kernel, from its `btf_trace_<name>` prototype;
// nothing when the kernel has no BTF or no such tracepoint.
std::optional<int> tracepoint_arg_count(std::string_view name);

// Whether the kernel's BTF has a function named `name` (a candidate for
// fentry and kprobe; an inlined function has none).
bool kernel_has_function(std::string_view name);

} // namespace nettrace
