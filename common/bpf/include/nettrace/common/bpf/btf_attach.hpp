// SPDX-License-Identifier: MIT
// The kernel BTF a BPF object is opened with, and the BTF ids its tp_btf/,
// fentry/ and fexit/ programs attach by, both from KernelBtf's cache.
#pragma once

#include <string>
#include <string_view>

namespace nettrace::bpf {

// What opening the object `name` (ELF image `elf`) needs, done: the BTF
// file for libbpf's btf_custom_path (empty: libbpf reads the kernel's own),
// and tp_btf/, fentry/ and fexit/ programs set to find their target's BTF
// id through KernelBtf, which remembers it (libbpf would parse the 5 MB
// vmlinux BTF at each start-up to find it; with libbpf 1.2 or later,
// libbpf still does). Both need what the programs use to be in vmlinux:
// CO-RE against the small BTF sees no module types, and attach targets
// are looked for in vmlinux only. Until finish_loading(), both share one
// parse of vmlinux BTF when something is not remembered yet.
std::string prepare_to_open(std::string_view name, std::string_view elf);
void finish_loading();

} // namespace nettrace::bpf
