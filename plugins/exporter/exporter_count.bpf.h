/* SPDX-License-Identifier: GPL-2.0 */
/* DEFINES GLOBALS: include once per object */
/*
 * Counting a freed packet into the exporter's map, shared by its two BPF
 * objects: exporter.bpf.c (tp_btf, BTF pointers) and
 * exporter_classic.bpf.c (raw_tp and the classic tracepoint, pointers
 * read through CO-RE). One map lookup per drop, an insert only for a new
 * row.
 */
#ifndef NETTRACE_EXPORTER_COUNT_BPF_H
#define NETTRACE_EXPORTER_COUNT_BPF_H

#include <nettrace/filter.bpf.h>
#include <nettrace/free_kind.bpf.h>

#include "exporter.h"

/* max_entries is set by user space from --max-series before load. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, EXPORTER_DEFAULT_MAX_SERIES);
	__type(key, struct exporter_key);
	__type(value, struct exporter_value);
} drops SEC(".maps");

/* Drops that found the map full: never silent, exported as a metric. */
__u64 series_dropped = 0;

static __always_inline void exporter_add(const struct exporter_key *key, __u64 bytes)
{
	struct exporter_value *v = bpf_map_lookup_elem(&drops, key);
	struct exporter_value first = {.packets = 1, .bytes = bytes};

	if (v) {
		/* This CPU's own copy: no other writer. */
		v->packets += 1;
		v->bytes += bytes;
		return;
	}
	if (bpf_map_update_elem(&drops, key, &first, BPF_NOEXIST) == 0)
		return;
	/* Another program on this CPU (an interrupt) may have made it. */
	v = bpf_map_lookup_elem(&drops, key);
	if (v) {
		v->packets += 1;
		v->bytes += bytes;
	} else {
		__sync_fetch_and_add(&series_dropped, 1);
	}
}

/* `rx_sk`: the socket a received packet was meant for, where the kernel
 * names it (6.11 on), else NULL. */
static __always_inline int exporter_count(struct sk_buff *skb, struct sock *rx_sk, __u32 reason,
					  bool has_reason, __u64 location)
{
	struct exporter_key key = {};
	struct nt_packet pkt;
	struct sock *sk, *owner;
	unsigned char *head, *data;
	__s64 bytes;

	if (!skb)
		return 0;
	/* The protocol labels need the headers, so they are always read. */
	nt_parse_skb(skb, &pkt);
	if (nt_filter_reads_packet() && !nt_filter_match(&pkt))
		return 0;
	sk = NT_READ_CHAIN(skb, sk);
	key.netns = nt_skb_netns(skb, sk);
	if (!nt_netns_match(key.netns))
		return 0;
	key.ifindex = nt_skb_ifindex(skb);
	if (!nt_ifindex_match(key.ifindex))
		return 0;
	if (!nt_expression_match(skb, &pkt))
		return 0;
	key.location = location;
	key.reason = reason;
	owner = sk ? sk : rx_sk;
	key.kind = nt_free_kind(skb, owner, nt_sock_kind(owner), sk != NULL, reason, has_reason);
	if (pkt.family == NT_AF_INET || pkt.family == NT_AF_INET6) {
		key.l3 = pkt.family == NT_AF_INET ? NT_ETH_P_IP : NT_ETH_P_IPV6;
		key.l4 = pkt.l4proto;
	} else {
		key.l3 = bpf_ntohs(NT_READ_CHAIN(skb, protocol));
	}
	/* The packet from its IP header on, however far the stack had
	 * pulled it or pushed a link header; skb->len where there is none. */
	bytes = NT_READ_CHAIN(skb, len);
	head = NT_READ_CHAIN(skb, head);
	data = NT_READ_CHAIN(skb, data);
	if (pkt.family && bytes + (data - head) > pkt.l3_off)
		bytes += (__s64)(data - head) - (__s64)pkt.l3_off;
	exporter_add(&key, (__u64)bytes);
	return 0;
}

#endif
