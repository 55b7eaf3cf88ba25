// SPDX-License-Identifier: GPL-2.0
/*
 * tcpdrop: every TCP packet the kernel frees as dropped (skb:kfree_skb),
 * with the drop reason, the drop site, the packet's own addresses and the
 * socket state.
 *
 * The tracepoint's arguments differ by kernel, and a tp_btf program that
 * names an argument the kernel lacks fails verification, so there is one
 * program per layout; user space enables the one that matches:
 *   kfree_skb_rx_sk    (skb, location, reason, rx_sk)   6.11+
 *   kfree_skb_reason   (skb, location, reason)          5.17 - 6.10
 *   kfree_skb_plain    (skb, location)                  before 5.17
 * The classic tracepoint is in tcpdrop_tp.bpf.c, an object of its own, so
 * that these programs can read through typed pointers.
 */
/* Every program here is tp_btf: see nettrace/read.bpf.h. */
#define NT_BTF_POINTERS
#include "tcpdrop_handle.bpf.h"

/* rx_sk, the fourth argument: only kfree_skb_rx_sk asks for it. */
static __always_inline struct sock *tcpdrop_rx_sk(void *ctx)
{
	return (struct sock *)((__u64 *)ctx)[3];
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(kfree_skb_rx_sk, struct sk_buff *skb, void *location, enum skb_drop_reason reason,
	     struct sock *rx_sk)
{
	return handle_drop(ctx, skb, location, reason, TCPDROP_HAS_REASON, true);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(kfree_skb_reason, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	return handle_drop(ctx, skb, location, reason, TCPDROP_HAS_REASON, false);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(kfree_skb_plain, struct sk_buff *skb, void *location)
{
	return handle_drop(ctx, skb, location, 0, 0, false);
}

char LICENSE[] SEC("license") = "GPL";
