/* SPDX-License-Identifier: GPL-2.0 */
/* DEFINES GLOBALS: include once per object */
/*
 * Counting a packet seen at a probe point (--points) into the exporter's
 * point map, shared by its four point objects (tp_btf, classic
 * tracepoint, fentry, kprobe: nettrace/probe_points.bpf.h makes their
 * programs). One map lookup per packet, an insert only for a new row.
 * The filter is the drops' (nettrace/filter.bpf.h); its namespace and
 * device are the ones a row is labelled with.
 */
#ifndef NETTRACE_EXPORTER_POINTS_COUNT_BPF_H
#define NETTRACE_EXPORTER_POINTS_COUNT_BPF_H

#include <nettrace/filter.bpf.h>

#include "exporter_points.h"

/* User space creates the map once and gives it to every point object
 * (bpf_map__reuse_fd), sized from --max-series. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1);
	__type(key, struct exporter_point_key);
	__type(value, __u64);
} point_counts SEC(".maps");

/* Packets that found the map full: never silent, exported as a metric. */
__u64 point_series_dropped = 0;

static __always_inline void exporter_point_add(__u32 point, __u32 netns, __u32 ifindex)
{
	struct exporter_point_key key = {.point = point, .netns = netns, .ifindex = ifindex};
	__u64 one = 1, *count = bpf_map_lookup_elem(&point_counts, &key);

	if (count) {
		*count += 1; /* this CPU's own copy: no other writer */
		return;
	}
	if (bpf_map_update_elem(&point_counts, &key, &one, BPF_NOEXIST) == 0)
		return;
	/* Another program on this CPU (an interrupt) may have made it. */
	count = bpf_map_lookup_elem(&point_counts, &key);
	if (count)
		*count += 1;
	else
		__sync_fetch_and_add(&point_series_dropped, 1);
}

/* A point that sees an sk_buff: its device's namespace, else its
 * socket's (nt_skb_netns), as drops are labelled. */
static __always_inline int exporter_point_skb(__u32 point, struct sk_buff *skb)
{
	__u32 netns, ifindex;

	if (!skb || !nt_filter_skb_match(skb))
		return 0;
	netns = nt_skb_netns(skb, NT_READ_CHAIN(skb, sk));
	ifindex = nt_skb_ifindex(skb);
	if (!nt_netns_match(netns) || !nt_ifindex_match(ifindex))
		return 0;
	exporter_point_add(point, netns, ifindex);
	return 0;
}

/* A point that sees an sk_buff after device `dev` took it: by then a
 * veth has moved the packet to its peer, in the other namespace, so the
 * namespace and device are the argument's. */
static __always_inline int exporter_point_sent_skb(__u32 point, struct sk_buff *skb,
						   struct net_device *dev)
{
	__u32 netns, ifindex;

	if (!skb || !nt_filter_skb_match(skb))
		return 0;
	netns = nt_device_netns(dev);
	ifindex = dev ? NT_READ_CHAIN(dev, ifindex) : 0;
	if (!nt_netns_match(netns) || !nt_ifindex_match(ifindex))
		return 0;
	exporter_point_add(point, netns, ifindex);
	return 0;
}

/* A point that sees only a socket; `receiving` gives the direction. */
static __always_inline int exporter_point_sock(__u32 point, struct sock *sk, bool receiving)
{
	__u32 netns;

	if (!nt_filter_sock_match(sk, receiving))
		return 0;
	netns = nt_sock_netns(sk);
	if (!nt_netns_match(netns))
		return 0;
	exporter_point_add(point, netns, 0);
	return 0;
}

#define EXPORTER_RECEIVING_INGRESS true
#define EXPORTER_RECEIVING_EGRESS false

/* What each point's program does (nettrace/probe_points.bpf.h). */
#define NT_POINT_COUNT_SKB(id, skb) exporter_point_skb(NT_POINT_##id, skb)
#define NT_POINT_COUNT_SENT_SKB(id, skb, dev) exporter_point_sent_skb(NT_POINT_##id, skb, dev)
#define NT_POINT_COUNT_SOCK(id, sk, section) \
	exporter_point_sock(NT_POINT_##id, sk, EXPORTER_RECEIVING_##section)
#include <nettrace/probe_points.bpf.h>

#endif
