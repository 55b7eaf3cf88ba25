// SPDX-License-Identifier: MIT
// Questions about the running kernel answered from its BTF: which program
// variant matches this kernel, which BTF ids programs attach to, and the
// small BTF that CO-RE relocates a program against. Answers are kept per
// kernel build (KernelCache), so the 5 MB vmlinux BTF is parsed only by
// the first run on a kernel, or to answer a question no run asked before.
#pragma once

#include <nettrace/common/kernel/paths.hpp>

#include <optional>
#include <string>
#include <string_view>

struct btf;

namespace nettrace {

class KernelBtf {
public:
	static constexpr const char *vmlinux_path = kernel_paths::vmlinux_btf;

	KernelBtf();
	~KernelBtf();
	KernelBtf(const KernelBtf &) = delete;
	KernelBtf &operator=(const KernelBtf &) = delete;

	// Whether the kernel publishes BTF at all.
	static bool available();

	// How many arguments the raw tracepoint `name` (e.g. "kfree_skb")
	// passes to tp_btf programs, from its `btf_trace_<name>` prototype;
	// nothing when the kernel has no BTF or no such tracepoint.
	std::optional<int> tracepoint_arg_count(std::string_view name) const;
	// Whether the BTF has a function named `name` (a candidate for fentry
	// and kprobe; an inlined function has none).
	bool has_function(std::string_view name) const;
	// The vmlinux BTF id of the type `name` of BTF kind `kind`
	// (BTF_KIND_FUNC, BTF_KIND_TYPEDEF, ...); nothing when it has none.
	std::optional<int> type_id(int kind, std::string_view name) const;

	// A BTF file holding just the kernel types the BPF object `name`
	// relocates against (its ELF image `elf`), for libbpf's
	// btf_custom_path; made from vmlinux BTF the first time, and kept in
	// the cache, else in memory for the process's lifetime. Nothing when
	// it cannot be made.
	std::optional<std::string> core_btf_path(std::string_view name, std::string_view elf) const;

	// The parsed vmlinux BTF, parsed now if not yet; NULL when the kernel
	// has none. A parse takes several MB: hold a KernelBtf only while
	// asking, not across loading. libbpf takes it as non-const to parse
	// split BTF on top; it is not changed.
	btf *vmlinux() const;
	// How many times this process has parsed vmlinux BTF: start-up code
	// is meant to parse it at most once (KernelFacts::read).
	static unsigned parses();

private:
	mutable btf *btf_ = nullptr;
	mutable bool parsed_ = false;
};

} // namespace nettrace
