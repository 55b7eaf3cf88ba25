// SPDX-License-Identifier: MIT
// Questions about the running kernel answered from its BTF, used to pick
// the program variant that matches this kernel before loading anything.
#pragma once

#include <optional>
#include <string_view>

struct btf;

namespace nettrace {

// The running kernel's BTF, parsed when made and freed when destroyed. A
// parsed vmlinux BTF takes several MB and libbpf parses its own copy to
// load a program: hold one only while asking, not across loading.
class KernelBtf {
public:
	static constexpr const char *vmlinux_path = "/sys/kernel/btf/vmlinux";

	KernelBtf();
	~KernelBtf();
	KernelBtf(const KernelBtf &) = delete;
	KernelBtf &operator=(const KernelBtf &) = delete;

	// How many arguments the raw tracepoint `name` (e.g. "kfree_skb")
	// passes to tp_btf programs, from its `btf_trace_<name>` prototype;
	// nothing when the kernel has no BTF or no such tracepoint.
	std::optional<int> tracepoint_arg_count(std::string_view name) const;
	// Whether the BTF has a function named `name` (a candidate for fentry
	// and kprobe; an inlined function has none).
	bool has_function(std::string_view name) const;
	// The parsed vmlinux BTF, NULL when the kernel has none; for other
	// questions (DropReasons::load) without parsing it again. libbpf
	// takes it as non-const to parse split BTF on top; it is not changed.
	btf *vmlinux() const { return btf_; }

private:
	btf *btf_;
};

} // namespace nettrace
