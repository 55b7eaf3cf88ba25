/* SPDX-License-Identifier: GPL-2.0 */
/* DEFINES GLOBALS: include once per object */
/*
 * What every tcpdrop program does with a drop, whichever way it attached:
 * filter it, describe it and send it to user space. Included by exactly
 * one .bpf.c per BPF object (it defines the object's maps and globals):
 * tcpdrop.bpf.c, whose tp_btf programs read through typed pointers, and
 * tcpdrop_tp.bpf.c, the classic tracepoint, whose pointers are plain
 * numbers (see NT_READ_CHAIN in nettrace/read.bpf.h).
 */
#ifndef NETTRACE_TCPDROP_HANDLE_BPF_H
#define NETTRACE_TCPDROP_HANDLE_BPF_H

#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include <nettrace/capture.bpf.h>
#include <nettrace/events.bpf.h>
#include <nettrace/filter.bpf.h>
#include <nettrace/free_kind.bpf.h>

#include "tcpdrop.h"

const volatile bool collect_stack = true;
const volatile __u8 reason_filter_mode = TCPDROP_REASONS_ALL;
/* --all: send frees that lose no packet too, instead of counting them. */
const volatile bool show_all_frees = false;
/* -w: copy up to this many bytes of each packet (--snaplen, at most
 * TCPDROP_MAX_SNAPLEN). 0, the default, copies none and reserves no room
 * for them: the verifier drops the capturing branches as dead code. */
const volatile __u32 capture_snaplen = 0;

/* Frees that lose no packet, passed the filters and were left out: read by
 * user space from the mapped .bss at exit. */
__u64 tcpdrop_frees_hidden = 0;

/* 4 MB: over 6000 records with stacks, about 20 ms of the fastest storm
 * this side can record; resident in the tracer once mapped (ring_reader). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

/* Reason codes named by --reason or --exclude-reason. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} reason_filter SEC(".maps");

static __always_inline bool reason_wanted(__u32 reason)
{
	if (reason_filter_mode == TCPDROP_REASONS_ALL)
		return true;
	bool listed = bpf_map_lookup_elem(&reason_filter, &reason) != NULL;
	return reason_filter_mode == TCPDROP_REASONS_ONLY ? listed : !listed;
}

/* Where the packet was dropped (read_place) is read before the headers are
 * parsed, what its socket says (read_socket) only for a TCP packet the
 * filters keep: a packet filtered out costs fewer reads, and the verifier
 * does not explore each kind of socket through the parsing (a third of
 * the time it spends on this program). Both are kept as plain numbers,
 * not kernel pointers. */
struct tcpdrop_owner {
	__u32 netns;      /* where it was dropped: nt_skb_netns() */
	__u32 sock_netns; /* a TCP socket's, which may differ */
	__u32 ifindex;    /* nt_skb_ifindex(), in namespace `netns` */
	__u8 state;
	__u8 flags;
	__u8 free_kind; /* NT_FREE_* */
};

/* The socket a received packet was meant for (skb:kfree_skb's rx_sk, 6.11
 * on), or NULL: each .bpf.c reads it from its own context. It is read
 * where it is used, not carried through the parsing, where each kind of
 * pointer it may be would be another state for the verifier to follow
 * (it made loading take three times as long). */
static __always_inline struct sock *tcpdrop_rx_sk(void *ctx);

/* The socket the packet belongs to; on receive before lookup there is
 * none, and 6.11+ passes the one the lookup found as rx_sk. */
static __always_inline struct sock *owner_sock(void *ctx, struct sk_buff *skb, bool has_rx_sk)
{
	struct sock *charged = NT_READ_CHAIN(skb, sk);

	if (charged || !has_rx_sk)
		return charged;
	return tcpdrop_rx_sk(ctx);
}

static __always_inline void read_place(struct tcpdrop_owner *owner, void *ctx, struct sk_buff *skb,
				       bool has_rx_sk)
{
	owner->netns = nt_dev_netns(skb);
	if (!owner->netns)
		owner->netns = nt_sock_netns(owner_sock(ctx, skb, has_rx_sk));
	owner->ifindex = nt_skb_ifindex(skb);
}

/* Fills in what the socket says: read only for a packet the filters keep. */
static __always_inline void read_socket(struct tcpdrop_owner *owner, void *ctx, struct sk_buff *skb,
					bool has_rx_sk, __u32 reason, __u8 flags)
{
	struct sock *sk = owner_sock(ctx, skb, has_rx_sk);
	bool charged = NT_READ_CHAIN(skb, sk) != NULL;
	__u8 sock_kind = nt_sock_kind(sk);

	owner->sock_netns = 0;
	owner->state = 0;
	/* A packet socket holding a copy has a state too, which is no TCP
	 * state: only a TCP socket's is shown. */
	if (sock_kind == NT_SOCK_TCP) {
		owner->sock_netns = nt_sock_netns(sk);
		owner->state = NT_READ_CHAIN(sk, __sk_common.skc_state);
		flags |= TCPDROP_HAS_SOCKET;
	}
	owner->flags = flags;
	owner->free_kind =
		nt_free_kind(skb, sk, sock_kind, charged, reason, flags & TCPDROP_HAS_REASON);
}

/* The task that was running: its process id and name. */
static __always_inline void fill_task(struct tcpdrop_event *e)
{
#ifdef NT_BTF_POINTERS
	/* From 5.11 the task is a typed pointer: its name is two loads, where
	 * the helper copies it byte by byte, and the id one more. The kernel
	 * keeps the name's last byte NUL; unlike the helper's copy, bytes
	 * after the first NUL may be an older name's, and user space reads
	 * only up to it. */
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)) {
		struct task_struct *task = bpf_get_current_task_btf();

		e->pid = task->tgid;
		__builtin_memcpy(e->comm, task->comm, sizeof(e->comm));
		return;
	}
#endif
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

static __always_inline void fill_event(struct tcpdrop_event *e, const struct nt_packet *pkt,
				       struct sk_buff *skb, const struct tcpdrop_owner *owner,
				       void *location, __u32 reason)
{
	struct net_device *dev = NT_READ_CHAIN(skb, dev);

	e->ktime_ns = bpf_ktime_get_ns();
	e->location = (__u64)location;
	e->reason = reason;
	e->netns = owner->netns;
	e->sock_netns = owner->sock_netns;
	e->ifindex = owner->ifindex;
	/* The name as the device has it now, from the device itself: its
	 * namespace may be one user space cannot look into. Without a device
	 * (skb_iif only) it stays empty, and user space looks the index up.
	 * It is NUL-terminated within IFNAMSIZ; user space reads up to the
	 * NUL. A typed pointer copies it in two loads, without a helper. */
	if (!dev)
		e->ifname[0] = 0;
	else
#ifdef NT_BTF_POINTERS
		__builtin_memcpy(e->ifname, dev->name, sizeof(e->ifname));
#else
		bpf_probe_read_kernel_str(e->ifname, sizeof(e->ifname), dev->name);
#endif
	e->family = pkt->family;
	e->tcp_flags = pkt->tcp_flags;
	e->sport = pkt->sport;
	e->dport = pkt->dport;
	__builtin_memcpy(e->saddr, pkt->saddr, sizeof(e->saddr));
	__builtin_memcpy(e->daddr, pkt->daddr, sizeof(e->daddr));
	e->state = owner->state;
	e->flags = owner->flags;
	e->stack_bytes = 0;
	e->free_kind = owner->free_kind;
	/* Ring buffer memory is not zeroed: a field added here later must
	 * read zero from objects built before it. */
	__builtin_memset(e->reserved, 0, sizeof(e->reserved));
	fill_task(e);
}

/* -w: the packet's first capture_snaplen bytes (nettrace/capture.bpf.h). */
static __always_inline void fill_capture(struct tcpdrop_capture *cap, struct sk_buff *skb,
					 const struct nt_packet *pkt)
{
	const unsigned char *from = nt_capture_start(&cap->head, skb, pkt, capture_snaplen);

	NT_CAPTURE_COPY(&cap->head, cap->data, TCPDROP_MAX_SNAPLEN, from);
}

static __always_inline int handle_drop(void *ctx, struct sk_buff *skb, void *location, __u32 reason,
				       __u8 flags, bool has_rx_sk)
{
	struct tcpdrop_owner owner;
	struct nt_packet pkt;

	if (!skb || !reason_wanted(reason))
		return 0;
	/* The namespace and the device are the cheapest tests, so they come
	 * before parsing. */
	read_place(&owner, ctx, skb, has_rx_sk);
	if (!nt_netns_match(owner.netns) || !nt_ifindex_match(owner.ifindex))
		return 0;
	if (nt_parse_skb(skb, &pkt) || pkt.l4proto != NT_IPPROTO_TCP)
		return 0;
	/* The expression last: it is the dearest test. */
	if (!nt_filter_match(&pkt) || !nt_expression_match(skb, &pkt))
		return 0;
	read_socket(&owner, ctx, skb, has_rx_sk, reason, flags);
	/* Settled here, a free that loses nothing costs no record; one only
	 * the drop site can settle goes to user space, which decides. */
	if (owner.free_kind != NT_FREE_DROP && !(owner.free_kind & NT_FREE_IF_SITE) &&
	    !show_all_frees) {
		__sync_fetch_and_add(&tcpdrop_frees_hidden, 1);
		return 0;
	}

	if (capture_snaplen && collect_stack) {
		struct tcpdrop_event_with_stack_and_capture *rec =
			NT_RESERVE_EVENT(events, struct tcpdrop_event_with_stack_and_capture);
		if (!rec)
			return 0;
		fill_event(&rec->event, &pkt, skb, &owner, location, reason);
		rec->event.stack_bytes = bpf_get_stack(ctx, rec->stack, sizeof(rec->stack), 0);
		fill_capture(&rec->capture, skb, &pkt);
		NT_SUBMIT_EVENT(events, rec, rec->event.ktime_ns);
	} else if (capture_snaplen) {
		struct tcpdrop_event_with_capture *rec =
			NT_RESERVE_EVENT(events, struct tcpdrop_event_with_capture);
		if (!rec)
			return 0;
		fill_event(&rec->event, &pkt, skb, &owner, location, reason);
		fill_capture(&rec->capture, skb, &pkt);
		NT_SUBMIT_EVENT(events, rec, rec->event.ktime_ns);
	} else if (collect_stack) {
		struct tcpdrop_event_with_stack *rec =
			NT_RESERVE_EVENT(events, struct tcpdrop_event_with_stack);
		if (!rec)
			return 0;
		fill_event(&rec->event, &pkt, skb, &owner, location, reason);
		rec->event.stack_bytes = bpf_get_stack(ctx, rec->stack, sizeof(rec->stack), 0);
		NT_SUBMIT_EVENT(events, rec, rec->event.ktime_ns);
	} else {
		struct tcpdrop_event *e = NT_RESERVE_EVENT(events, struct tcpdrop_event);
		if (!e)
			return 0;
		fill_event(e, &pkt, skb, &owner, location, reason);
		NT_SUBMIT_EVENT(events, e, e->ktime_ns);
	}
	return 0;
}

#endif
