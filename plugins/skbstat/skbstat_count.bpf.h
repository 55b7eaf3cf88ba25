/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Counting, shared by skbstat's four BPF objects (fentry, kprobe, tp_btf,
 * classic tracepoint): each has its own counters, user space adds them up. The
 * objects are separate so that a mechanism the kernel refuses (fentry
 * without trampolines, say) cannot stop the others from loading.
 */
#ifndef NETTRACE_SKBSTAT_COUNT_BPF_H
#define NETTRACE_SKBSTAT_COUNT_BPF_H

#include <nettrace/filter.bpf.h>

#include "skbstat.h"

/* Which generation of counters is live; flipped by user space. */
__u32 generation = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SKBSTAT_GENERATIONS * SKBSTAT_POINT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} point_counts SEC(".maps");

static __always_inline bool skbstat_netns_match(struct sk_buff *skb, struct sock *sk)
{
	/* Finding the namespace costs pointer chasing: only when asked. */
	if (!nettrace_filter.netns_ino)
		return true;
	return nt_netns_match(nt_skb_netns(skb, sk));
}

static __always_inline void skbstat_bump(__u32 point)
{
	__u32 key = (generation & 1) * SKBSTAT_POINT_COUNT + point;
	__u64 *count = bpf_map_lookup_elem(&point_counts, &key);

	if (count)
		*count += 1; /* per-CPU: no other writer */
}

/* Does the packet pass the filter (addresses, ports, protocol, netns)? */
static __always_inline bool skbstat_skb_wanted(struct sk_buff *skb)
{
	struct nt_packet pkt;

	if (!skb)
		return false;
	if (nt_filter_reads_packet()) {
		nt_parse_skb(skb, &pkt);
		if (!nt_filter_match(&pkt))
			return false;
	}
	return skbstat_netns_match(skb, NT_READ_CHAIN(skb, sk));
}

/* A probe point that sees an sk_buff. */
static __always_inline int skbstat_count_skb(__u32 point, struct sk_buff *skb)
{
	if (skbstat_skb_wanted(skb))
		skbstat_bump(point);
	return 0;
}

/* A probe point that sees only a socket; `receiving` gives the direction. */
static __always_inline int skbstat_count_sock(__u32 point, struct sock *sk, bool receiving)
{
	struct nt_packet pkt;

	if (!sk)
		return 0;
	if (nt_filter_reads_packet()) {
		nt_parse_sock(sk, receiving, &pkt);
		if (!nt_filter_match(&pkt))
			return 0;
	}
	if (nettrace_filter.netns_ino &&
	    !nt_netns_match(NT_READ_CHAIN(sk, __sk_common.skc_net.net, ns.inum)))
		return 0;
	skbstat_bump(point);
	return 0;
}

#define SKBSTAT_RECEIVING_INGRESS true
#define SKBSTAT_RECEIVING_EGRESS false

#endif
