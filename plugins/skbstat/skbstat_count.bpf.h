/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* DEFINES GLOBALS: include once per object */
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

static __always_inline void skbstat_bump(__u32 point)
{
	__u32 key = (generation & 1) * SKBSTAT_POINT_COUNT + point;
	__u64 *count = bpf_map_lookup_elem(&point_counts, &key);

	if (count)
		*count += 1; /* per-CPU: no other writer */
}

/* Does the packet pass the filter (addresses, ports, protocol, netns,
 * device)? */
static __always_inline bool skbstat_skb_wanted(struct sk_buff *skb)
{
	/* The namespace and the device first: they cost fewer reads than
	 * the headers and the expression. */
	return skb && nt_skb_in_netns(skb, NT_READ_CHAIN(skb, sk)) && nt_skb_on_interface(skb) &&
	       nt_filter_skb_match(skb);
}

/* A probe point that sees an sk_buff. */
static __always_inline int skbstat_count_skb(__u32 point, struct sk_buff *skb)
{
	if (skbstat_skb_wanted(skb))
		skbstat_bump(point);
	return 0;
}

/* A probe point that sees an sk_buff after a device took it, and that
 * device: by then a veth has moved the packet to its peer, in the other
 * namespace, so the namespace is the device argument's. */
static __always_inline int skbstat_count_sent_skb(__u32 point, struct sk_buff *skb,
						  struct net_device *dev)
{
	if (!skb || !nt_filter_skb_match(skb))
		return 0;
	if (nettrace_filter.netns_ino && !nt_netns_match(nt_device_netns(dev)))
		return 0;
	if (nettrace_filter.ifindex && !nt_ifindex_match(dev ? NT_READ_CHAIN(dev, ifindex) : 0))
		return 0;
	skbstat_bump(point);
	return 0;
}

/* A probe point that sees only a socket; `receiving` gives the direction. */
static __always_inline int skbstat_count_sock(__u32 point, struct sock *sk, bool receiving)
{
	if (!nt_filter_sock_match(sk, receiving))
		return 0;
	if (nettrace_filter.netns_ino && !nt_netns_match(nt_sock_netns(sk)))
		return 0;
	skbstat_bump(point);
	return 0;
}

#define SKBSTAT_RECEIVING_INGRESS true
#define SKBSTAT_RECEIVING_EGRESS false

/* What each point's program does (nettrace/probe_points.bpf.h). */
#define NT_POINT_COUNT_SKB(id, skb) skbstat_count_skb(SKBSTAT_##id, skb)
#define NT_POINT_COUNT_SENT_SKB(id, skb, dev) skbstat_count_sent_skb(SKBSTAT_##id, skb, dev)
#define NT_POINT_COUNT_SOCK(id, sk, section) \
	skbstat_count_sock(SKBSTAT_##id, sk, SKBSTAT_RECEIVING_##section)
#include <nettrace/probe_points.bpf.h>

#endif
