/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One sighting of a followed packet, as the BPF side of skbtrace sends it
 * to user space, and the limits both sides agree on.
 */
#ifndef NETTRACE_SKBTRACE_H
#define NETTRACE_SKBTRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#include <nettrace/capture.h>
#include <nettrace/filter_spec.h>

/* Packets followed at once unless --max-packets says otherwise. */
#define SKBTRACE_DEFAULT_MAX_PACKETS 256
#define SKBTRACE_MAX_MAX_PACKETS 65536
/* -w: bytes of each sighting's packet kept, by default and at most. */
#define SKBTRACE_DEFAULT_SNAPLEN 128
#define SKBTRACE_MAX_SNAPLEN 256
/* Frames of a drop's kernel stack. */
#define SKBTRACE_MAX_STACK 48
/* The kernel functions that free an sk_buff itself, where a packet that
 * went through no free tracepoint ends: kfree_skbmem, napi_skb_cache_put. */
#define SKBTRACE_FREE_FUNCTIONS 2

/* What a sighting is. */
enum skbtrace_kind {
	SKBTRACE_TRACEPOINT = 1, /* `where` is an index into SKBTRACE_TRACEPOINTS */
	SKBTRACE_FUNCTION = 2,   /* `where` is an address in the function */
	SKBTRACE_DROP = 3,       /* skb:kfree_skb: the end, with reason and stack */
	SKBTRACE_CONSUME = 4,    /* skb:consume_skb: the end */
	SKBTRACE_FREED = 5,      /* a free function (SKBTRACE_FREE_FUNCTIONS) ran on
				  * it without a tracepoint: the end */
	SKBTRACE_COPY = 6,       /* the first sighting of a copy (clone) of a followed
				  * packet, made by the function at `where`; followed
				  * from here as a packet of its own */
};

/* flags */
#define SKBTRACE_HAS_REASON 0x1 /* the kernel passed a drop reason */
#define SKBTRACE_FIRST 0x2      /* the first sighting: the filter matched here */

struct skbtrace_event {
	__u64 ktime_ns;  /* bpf_ktime_get_ns() at the sighting */
	__u64 packet_id; /* one per packet followed, from its first sighting's
			  * time and CPU (user space numbers them 1, 2, ...) */
	__u64 skb;       /* the sk_buff's address */
	__u64 where;     /* see enum skbtrace_kind */
	__u64 location;  /* DROP, CONSUME: the free's return address (0 if none);
			  * COPY: the packet_id of the packet it copies */
	__u32 kind;      /* enum skbtrace_kind */
	__u32 flags;     /* SKBTRACE_HAS_*, SKBTRACE_FIRST */
	__u32 netns;     /* nt_skb_netns: its device's, else its socket's */
	__u32 ifindex;   /* the device it is on, 0 for none */
	__u32 len;       /* skb->len */
	__u32 mark;      /* skb->mark */
	__u32 reason;    /* DROP: enum skb_drop_reason */
	__u32 cpu;
	__s32 stack_bytes; /* DROP: bytes of the stack that follows, or -errno */
	__u32 pad;
	char ifname[16];         /* the device's name, empty for none */
	struct nt_packet packet; /* its headers here: a NAT shows as a change */
};

/* With -w, a sighting carries the packet's first bytes. */
struct skbtrace_captured_event {
	struct skbtrace_event e;
	struct nt_capture_head capture;
	__u8 bytes[SKBTRACE_MAX_SNAPLEN];
};

/* An end carries the drop's kernel stack, and room for the bytes. */
struct skbtrace_end_event {
	struct skbtrace_event e;
	__u64 stack[SKBTRACE_MAX_STACK];
	struct nt_capture_head capture;
	__u8 bytes[SKBTRACE_MAX_SNAPLEN];
};

/* Counters both objects keep in their .bss, summed by user space. */
struct skbtrace_counters {
	__u64 packets_overflow; /* matched, but --max-packets were followed already */
};

#endif
