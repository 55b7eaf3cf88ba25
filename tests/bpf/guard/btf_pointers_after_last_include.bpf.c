// SPDX-License-Identifier: GPL-2.0
/* Must not compile: NT_BTF_POINTERS defined after the last nettrace header,
 * then a read through NT_READ_CHAIN (see nettrace/read.bpf.h). */
#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include <nettrace/filter.bpf.h>
#define NT_BTF_POINTERS

SEC("tp_btf/kfree_skb")
int BPF_PROG(read_length, struct sk_buff *skb)
{
	return NT_READ_CHAIN(skb, len);
}

char LICENSE[] SEC("license") = "GPL";
