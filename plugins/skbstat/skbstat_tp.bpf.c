// SPDX-License-Identifier: GPL-2.0
/* skbstat's tracepoints by tp_btf: the tracepoint probe points of
 * SKBSTAT_POINTS, and the drop (skb:kfree_skb) and consume
 * (skb:consume_skb) stacks, counted per distinct stack, reason and drop
 * site. skbstat_tracepoint.bpf.c does the same through the classic
 * tracepoints. */
#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* Every program here is tp_btf: see nettrace/read.bpf.h. */
#define NT_BTF_POINTERS
#include "skbstat_count.bpf.h"
#include "skbstat_stacks.bpf.h"

NT_TP_BTF_POINT_PROGRAMS

/* kfree_skb passes a reason from 5.17 on, the socket a received packet
 * was meant for from 6.11 on; user space picks the program. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(drop_with_rx_sk, struct sk_buff *skb, void *location, enum skb_drop_reason reason,
	     struct sock *rx_sk)
{
	return count_drop(ctx, skb, rx_sk, reason, true, (__u64)location);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(drop_with_reason, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	return count_drop(ctx, skb, NULL, reason, true, (__u64)location);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(drop_without_reason, struct sk_buff *skb, void *location)
{
	return count_drop(ctx, skb, NULL, 0, false, (__u64)location);
}

SEC("tp_btf/consume_skb")
int BPF_PROG(consume, struct sk_buff *skb)
{
	return count_consume(ctx, skb);
}

char LICENSE[] SEC("license") = "GPL";
