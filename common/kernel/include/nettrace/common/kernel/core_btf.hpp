// SPDX-License-Identifier: MIT
// A small BTF holding just the kernel types a BPF object relocates against,
// for libbpf's btf_custom_path: libbpf then parses tens of KB instead of
// the 5 MB vmlinux BTF at every start-up.
//
// It keeps every kernel type whose name the object's own BTF uses (struct
// sk_buff, enum skb_drop_reason, a ___flavor's base name), in full, with
// what they hold by value. Types reached only through pointers become
// forward declarations: CO-RE matches a pointer field by kind alone, and
// relocates each step of a pointer chain against that step's own type.
// Function prototypes are left out: a pointer to a function becomes
// void *. So type-based relocations (bpf_core_type_exists, _size,
// _matches) on a type that holds pointers to functions, or whose pointers
// lead to what they compare, could answer differently than against
// vmlinux; no object relocates that way, and
// tests/integration/core_btf_test.cpp checks that every built object
// relocates exactly as it does against vmlinux.
#pragma once

#include <optional>
#include <string>
#include <string_view>

struct btf;

namespace nettrace {

// The raw BTF for the object whose ELF image is `elf`, from the parsed
// vmlinux BTF `kernel`; nothing when the object does not open.
std::optional<std::string> core_btf_for(const btf &kernel, std::string_view elf);

} // namespace nettrace
