// SPDX-License-Identifier: MIT
// Where a DropReasons table comes from, one source at a time: what
// DropReasons::load() is made of, and what tests feed with fixtures (a BTF
// directory of their own, a trace format's text). Not installed with the
// SDK: plugins call DropReasons::load(const KernelBtf &) only.
#pragma once

#include <nettrace/common/kernel/drop_reasons.hpp>
#include <nettrace/common/kernel/paths.hpp>

#include <string>
#include <string_view>
#include <vector>

struct btf;

namespace nettrace::drop_reasons {

inline constexpr const char *default_btf_dir = kernel_paths::btf_dir;
// Where tracefs is looked for, in order.
const std::vector<std::string> &default_tracing_dirs();

// vmlinux and every module's BTF in `btf_dir` (split BTF on top of
// vmlinux). Throws RuntimeError when vmlinux BTF is missing or has no enum
// skb_drop_reason (kernels before 5.17).
DropReasons from_btf(const std::string &btf_dir = default_btf_dir);
// The same from a vmlinux BTF already parsed, read from `vmlinux_path`.
DropReasons from_parsed_btf(btf &vmlinux, const std::string &vmlinux_path,
			    const std::string &btf_dir);
// The module BTF files of `btf_dir` (all but vmlinux), in name order for
// reproducible runs.
std::vector<std::string> module_btf_files(const std::string &btf_dir);

// The text of events/skb/kfree_skb/format. Core reasons only: the format
// lists no subsystem. Throws RuntimeError when it has no usable
// __print_symbolic list for the reason field.
DropReasons from_tracefs_format(std::string_view format, std::string origin = "tracefs");
// events/skb/kfree_skb/format in the first of `tracing_dirs` that has it.
// Throws RuntimeError when none does.
DropReasons from_tracefs(const std::vector<std::string> &tracing_dirs = default_tracing_dirs());

// From kernel BTF, else from tracefs, without the kernel cache. Never
// throws: when neither works the table is empty, and its
// unavailable_reason() says what was tried and why it failed.
DropReasons load();
DropReasons load(const std::string &btf_dir, const std::vector<std::string> &tracing_dirs);
// The same, from a vmlinux BTF already parsed (KernelBtf::vmlinux(); NULL
// if the kernel has none): parsing it again costs tens of ms.
DropReasons load(btf *vmlinux);

} // namespace nettrace::drop_reasons
