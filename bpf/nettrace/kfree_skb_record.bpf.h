/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * skb:kfree_skb's classic tracepoint record, read the same way by every
 * program that counts drops through it. CO-RE tells what this kernel's
 * record holds: the reason from 5.17 on, the socket a received packet was
 * meant for (rx_sk) from 6.11 on.
 *
 * Include after vmlinux.h and bpf_core_read.h.
 */
#ifndef NETTRACE_KFREE_SKB_RECORD_BPF_H
#define NETTRACE_KFREE_SKB_RECORD_BPF_H

struct nt_kfree_skb_record {
	struct sk_buff *skb;
	__u64 location;
	struct sock *rx_sk; /* NULL before 6.11 */
	__u32 reason;       /* 0 before 5.17 */
	bool has_reason;
};

static __always_inline struct nt_kfree_skb_record
nt_read_kfree_skb_record(struct trace_event_raw_kfree_skb *args)
{
	struct nt_kfree_skb_record r = {
		.skb = BPF_CORE_READ(args, skbaddr),
		.location = (__u64)BPF_CORE_READ(args, location),
		.has_reason = bpf_core_field_exists(args->reason),
	};

	if (r.has_reason)
		r.reason = BPF_CORE_READ(args, reason);
	if (bpf_core_field_exists(args->rx_sk))
		r.rx_sk = BPF_CORE_READ(args, rx_sk);
	return r;
}

#endif
