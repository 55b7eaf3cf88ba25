/* SPDX-License-Identifier: GPL-2.0 */
/* DEFINES GLOBALS: include once per object */
/*
 * Following packets by their sk_buff: the first sighting that passes the
 * filter puts the sk_buff's address in `followed`, every later sighting of
 * that address is a ring record, and the packet's end (a drop, a consume,
 * or a free function) takes it out. Both objects of skbtrace include this:
 * skbtrace.bpf.c (tracepoints and ends) creates the maps, and user space
 * hands them to skbtrace_functions.bpf.c before it loads, so that a packet
 * is one packet whichever program sees it.
 */
#ifndef NETTRACE_SKBTRACE_FOLLOW_BPF_H
#define NETTRACE_SKBTRACE_FOLLOW_BPF_H

#include <nettrace/capture.bpf.h>
#include <nettrace/events.bpf.h>
#include <nettrace/filter.bpf.h>

#include "skbtrace.h"

#define NT_EEXIST 17

/* A followed packet: its id (see skbtrace_follow), and the data buffer it
 * had when first seen (see skbtrace_head_is_identity). */
struct skbtrace_followed {
	__u64 id;
	__u64 head;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SKBTRACE_DEFAULT_MAX_PACKETS); /* --max-packets */
	__type(key, __u64);
	__type(value, struct skbtrace_followed);
} followed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

/* The sk_buffs that matched when --max-packets were followed already:
 * an overflow is counted once per packet, not at each point it passes.
 * (An address reused by a later packet that also overflows is not
 * counted again while it is remembered here.) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u8);
} not_followed SEC(".maps");

struct skbtrace_counters skbtrace_counters = {};

/* True while no free function is attached (tracepoints only):
 * a packet freed without a tracepoint then leaves its address in
 * `followed`, and the next packet given the same sk_buff would look like
 * its continuation. A new packet has a new data buffer, so there a
 * different skb->head ends the old packet. (A packet whose buffer is
 * reallocated, pskb_expand_head, then starts anew: with the free
 * functions attached, the address alone is exact.) Not read-only data:
 * user space clears it once the functions are attached, after this
 * object loaded. */
volatile bool skbtrace_head_is_identity = true;

/* -w: bytes of each sighting's packet to keep; 0 keeps none. */
const volatile __u32 skbtrace_snaplen = 0;

/* Where the free functions start (SKBTRACE_FREE_FUNCTIONS), 0 for none. */
const volatile __u64 skbtrace_free_function[SKBTRACE_FREE_FUNCTIONS] = {};

/* Does a packet not yet followed pass the filter here? */
static __always_inline bool skbtrace_matches(struct sk_buff *skb)
{
	return nt_skb_in_netns(skb, NT_READ_CHAIN(skb, sk)) && nt_skb_on_interface(skb) &&
	       nt_filter_skb_match(skb);
}

/* Starts following `skb`: its new entry, or NULL when --max-packets are
 * followed already (counted) or another CPU started it first. */
static __always_inline struct skbtrace_followed *skbtrace_follow(__u64 key, __u64 head)
{
	/* Unique without a shared counter, which would need an atomic
	 * fetch-and-add (5.12 on): no CPU sees two starts in the same
	 * nanosecond. User space numbers packets 1, 2, ... as they come. */
	struct skbtrace_followed value = {
		.id = bpf_ktime_get_ns() << 6 | (bpf_get_smp_processor_id() & 63),
		.head = head,
	};
	long err;

	err = bpf_map_update_elem(&followed, &key, &value, BPF_NOEXIST);
	/* -EEXIST: another CPU started it just now, and that entry is it. */
	if (err && err != -NT_EEXIST) {
		__u8 seen = 1;

		if (!bpf_map_update_elem(&not_followed, &key, &seen, BPF_NOEXIST))
			__sync_fetch_and_add(&skbtrace_counters.packets_overflow, 1);
		return NULL;
	}
	return bpf_map_lookup_elem(&followed, &key);
}

/* Fills what every sighting records. `dev`, when not NULL, is the device
 * the point names, else the packet's own is read. */
static __always_inline void skbtrace_fill(struct skbtrace_event *e, struct sk_buff *skb,
					  struct net_device *dev, __u64 id, __u32 kind, __u64 where,
					  __u32 flags, __u64 now)
{
	if (!dev)
		dev = NT_READ_CHAIN(skb, dev);

	e->ktime_ns = now;
	e->packet_id = id;
	e->skb = (__u64)skb;
	e->where = where;
	e->location = 0;
	e->kind = kind;
	e->flags = flags;
	e->netns = dev ? nt_device_netns(dev) : nt_sock_netns(NT_READ_CHAIN(skb, sk));
	e->ifindex = dev ? NT_READ_CHAIN(dev, ifindex) : 0;
	e->ifname[0] = 0;
	if (dev)
		bpf_probe_read_kernel_str(e->ifname, sizeof(e->ifname), &dev->name);
	e->len = NT_READ_CHAIN(skb, len);
	e->mark = NT_READ_CHAIN(skb, mark);
	e->reason = 0;
	e->cpu = bpf_get_smp_processor_id();
	e->stack_bytes = 0;
	e->pad = 0;
	nt_parse_skb(skb, &e->packet);
}

/* -w: the packet's first bytes into a record's capture part. */
static __always_inline void skbtrace_capture(struct nt_capture_head *cap, __u8 *bytes,
					     struct sk_buff *skb, const struct nt_packet *pkt)
{
	const unsigned char *from;

	/* Not IP: nothing says where its headers start. */
	if (!pkt->family) {
		__builtin_memset(cap, 0, sizeof(*cap));
		return;
	}
	from = nt_capture_start(cap, skb, pkt, skbtrace_snaplen);
	NT_CAPTURE_COPY(cap, bytes, SKBTRACE_MAX_SNAPLEN, from);
}

/* A sighting's record, with the packet's bytes when -w asks for them.
 * `location` as struct skbtrace_event says for `kind`. */
static __always_inline void skbtrace_emit(struct sk_buff *skb, struct net_device *dev, __u64 id,
					  __u32 kind, __u64 where, __u32 flags, __u64 location)
{
	__u64 now;

	if (skbtrace_snaplen) {
		struct skbtrace_captured_event *c =
			NT_RESERVE_EVENT(events, struct skbtrace_captured_event);
		if (!c)
			return;
		now = bpf_ktime_get_ns();
		skbtrace_fill(&c->e, skb, dev, id, kind, where, flags, now);
		c->e.location = location;
		skbtrace_capture(&c->capture, c->bytes, skb, &c->e.packet);
		NT_SUBMIT_EVENT(events, c, now);
		return;
	}
	struct skbtrace_event *e = NT_RESERVE_EVENT(events, struct skbtrace_event);
	if (!e)
		return;
	now = bpf_ktime_get_ns();
	skbtrace_fill(e, skb, dev, id, kind, where, flags, now);
	e->location = location;
	NT_SUBMIT_EVENT(events, e, now);
}

/*
 * The followed packet `skb` is, or NULL. A packet not yet followed starts
 * here when it passes the filter and `may_start`; *flags gets
 * SKBTRACE_FIRST then. A tracepoints-only address whose data buffer
 * changed is a new packet: the old one's end passed no tracepoint.
 */
static __always_inline struct skbtrace_followed *skbtrace_find(struct sk_buff *skb, bool may_start,
							       __u32 *flags)
{
	__u64 key = (__u64)skb;
	struct skbtrace_followed *f = bpf_map_lookup_elem(&followed, &key);

	if (f && skbtrace_head_is_identity && f->head != (__u64)NT_READ_CHAIN(skb, head)) {
		bpf_map_delete_elem(&followed, &key);
		f = NULL;
	}
	if (f || !may_start || !skbtrace_matches(skb))
		return f;
	*flags |= SKBTRACE_FIRST;
	return skbtrace_follow(key, (__u64)NT_READ_CHAIN(skb, head));
}

/* A sighting at a tracepoint or function (`kind`, `where`; `dev` as for
 * skbtrace_fill): recorded if the packet is followed, or starts being. */
static __always_inline int skbtrace_seen(struct sk_buff *skb, struct net_device *dev, __u32 kind,
					 __u64 where)
{
	struct skbtrace_followed *f;
	__u32 flags = 0;

	if (!skb)
		return 0;
	f = skbtrace_find(skb, true, &flags);
	if (f)
		skbtrace_emit(skb, dev, f->id, kind, where, flags, 0);
	return 0;
}

/* A free function ran on `skb`: a followed packet ends, unseen by the
 * free tracepoints. Never starts following: the packet is gone. */
static __always_inline int skbtrace_freed(struct sk_buff *skb, __u64 where)
{
	__u64 key = (__u64)skb;
	struct skbtrace_followed *f;
	__u32 flags = 0;

	f = skbtrace_find(skb, false, &flags);
	if (!f)
		return 0;
	skbtrace_emit(skb, NULL, f->id, SKBTRACE_FREED, where, flags, 0);
	bpf_map_delete_elem(&followed, &key);
	return 0;
}

/* Whether the function at `ip` is one that frees an sk_buff itself. The
 * address a probe reports lies a few bytes into the function. */
static __always_inline bool skbtrace_is_free_function(__u64 ip)
{
#pragma unroll
	for (int i = 0; i < SKBTRACE_FREE_FUNCTIONS; i++)
		if (skbtrace_free_function[i] && ip - skbtrace_free_function[i] < 16)
			return true;
	return false;
}

/* A function that takes `skb` ran: `ip` is in it. */
static __always_inline int skbtrace_function(struct sk_buff *skb, __u64 ip)
{
	if (!skb)
		return 0;
	if (skbtrace_is_free_function(ip))
		return skbtrace_freed(skb, ip);
	return skbtrace_seen(skb, NULL, SKBTRACE_FUNCTION, ip);
}

#endif
