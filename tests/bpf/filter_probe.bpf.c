// SPDX-License-Identifier: GPL-2.0
/*
 * Counts the dropped packets that pass nettrace_filter (filter.bpf.h), so
 * that tests can check the BPF filter against real kernel drops. Only the
 * tracepoint's first argument is read, which every kernel has.
 */
#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include <nettrace/filter.bpf.h>

#define RECENT_SLOTS 64

/* Drops in the filtered namespace, whatever the rest of the filter says. */
__u64 in_netns = 0;
/* Drops that pass the whole filter, --interface included. */
__u64 matched = 0;
/* The last packets dropped in the namespace, for failure messages. */
__u64 recent_count = 0;
struct nt_packet recent[RECENT_SLOTS] = {};
__u8 recent_matched[RECENT_SLOTS] = {};

SEC("tp_btf/kfree_skb")
int BPF_PROG(count_filtered_drops, struct sk_buff *skb)
{
	struct nt_packet pkt;
	struct sock *sk = BPF_CORE_READ(skb, sk);
	__u64 slot;
	bool match;

	if (!nt_netns_match(nt_skb_netns(skb, sk)))
		return 0;
	nt_parse_skb(skb, &pkt);
	/* Kernels before 6.3 free each ICMPv6 error with kfree_skb once its
	 * socket has seen it: an answer to a test's drop, not one of them. */
	if (pkt.l4proto == 58) /* IPPROTO_ICMPV6 */
		return 0;
	__sync_fetch_and_add(&in_netns, 1);

	match = nt_filter_match(&pkt) && nt_skb_on_interface(skb);
	if (match)
		__sync_fetch_and_add(&matched, 1);

	/* Read, then add: an atomic add that returns the old value (BPF_FETCH)
	 * needs 5.12, and the matrix runs 5.10. The test's drops come one at a
	 * time. */
	slot = recent_count & (RECENT_SLOTS - 1);
	__sync_fetch_and_add(&recent_count, 1);
	recent[slot] = pkt;
	recent_matched[slot] = match;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
