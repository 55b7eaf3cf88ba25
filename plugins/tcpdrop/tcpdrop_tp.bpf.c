// SPDX-License-Identifier: GPL-2.0
/*
 * tcpdrop through the classic skb:kfree_skb tracepoint: for kernels where
 * no tp_btf variant of tcpdrop.bpf.c loads, or when asked for with
 * --attach tracepoint. The record's fields are read through CO-RE, and so
 * are the reason and rx_sk where this kernel's event has them.
 */
#include "tcpdrop_handle.bpf.h"

/* The record has rx_sk from 6.11 on. */
static __always_inline struct sock *tcpdrop_rx_sk(void *ctx)
{
	struct trace_event_raw_kfree_skb *args = ctx;

	if (bpf_core_field_exists(args->rx_sk))
		return BPF_CORE_READ(args, rx_sk);
	return NULL;
}

SEC("tracepoint/skb/kfree_skb")
int kfree_skb_tp(struct trace_event_raw_kfree_skb *args)
{
	struct sk_buff *skb = BPF_CORE_READ(args, skbaddr);
	void *location = BPF_CORE_READ(args, location);
	__u32 reason = 0;
	__u8 flags = 0;

	if (bpf_core_field_exists(args->reason)) {
		reason = BPF_CORE_READ(args, reason);
		flags |= TCPDROP_HAS_REASON;
	}
	return handle_drop(args, skb, location, reason, flags, true);
}

char LICENSE[] SEC("license") = "GPL";
