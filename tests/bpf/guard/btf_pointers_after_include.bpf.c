// SPDX-License-Identifier: GPL-2.0
/* Must not compile: NT_BTF_POINTERS defined between two nettrace headers
 * would leave the first one's reads as they were (see nettrace/read.bpf.h). */
#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include <nettrace/filter.bpf.h>
#define NT_BTF_POINTERS
#include <nettrace/packet.bpf.h>

char LICENSE[] SEC("license") = "GPL";
