// SPDX-License-Identifier: GPL-2.0
/* The exporter's drop counting where tp_btf does not attach: by raw_tp,
 * else by the classic tracepoint. Neither gives BTF pointers, so the
 * sk_buff is read through CO-RE. */
#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include <nettrace/kfree_skb_record.bpf.h>

#include "exporter_count.bpf.h"

/* raw_tp: the tracepoint's arguments, untyped; the reason is the third
 * from 5.17 on, and user space loads the program that fits. */
SEC("raw_tp/kfree_skb")
int BPF_PROG(raw_tp_with_rx_sk, struct sk_buff *skb, void *location, __u64 reason,
	     struct sock *rx_sk)
{
	return exporter_count(skb, rx_sk, (__u32)reason, true, (__u64)location);
}

SEC("raw_tp/kfree_skb")
int BPF_PROG(raw_tp_with_reason, struct sk_buff *skb, void *location, __u64 reason)
{
	return exporter_count(skb, NULL, (__u32)reason, true, (__u64)location);
}

SEC("raw_tp/kfree_skb")
int BPF_PROG(raw_tp_without_reason, struct sk_buff *skb, void *location)
{
	return exporter_count(skb, NULL, 0, false, (__u64)location);
}

/* One program serves every kernel (nettrace/kfree_skb_record.bpf.h). */
SEC("tracepoint/skb/kfree_skb")
int tracepoint_kfree_skb(struct trace_event_raw_kfree_skb *args)
{
	struct nt_kfree_skb_record r = nt_read_kfree_skb_record(args);

	return exporter_count(r.skb, r.rx_sk, r.reason, r.has_reason, r.location);
}

char LICENSE[] SEC("license") = "GPL";
