// SPDX-License-Identifier: GPL-2.0
/* The exporter's drop counting by tp_btf, the cheapest way in: the
 * arguments are BTF pointers, read directly. kfree_skb passes a reason
 * from 5.17 on; user space loads the program that fits. */
#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define NT_BTF_POINTERS
#include "exporter_count.bpf.h"

SEC("tp_btf/kfree_skb")
int BPF_PROG(tp_btf_with_rx_sk, struct sk_buff *skb, void *location, enum skb_drop_reason reason,
	     struct sock *rx_sk)
{
	return exporter_count(skb, rx_sk, reason, true, (__u64)location);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(tp_btf_with_reason, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	return exporter_count(skb, NULL, reason, true, (__u64)location);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(tp_btf_without_reason, struct sk_buff *skb, void *location)
{
	return exporter_count(skb, NULL, 0, false, (__u64)location);
}

char LICENSE[] SEC("license") = "GPL";
