/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The exporter's counting map, shared by its BPF programs and its user
 * side: one row per distinct (reason, site, namespace, device, protocol,
 * kind), holding packets and bytes. Rows are never cleared, so every
 * value only grows, as a Prometheus counter must.
 */
#ifndef NETTRACE_EXPORTER_H
#define NETTRACE_EXPORTER_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Rows the map holds unless --max-series says otherwise. */
#define EXPORTER_DEFAULT_MAX_SERIES 10000

struct exporter_key {
	/* The drop's return address as the kernel gave it: user space names
	 * it after its function, so sites of one function share a series. */
	__u64 location;
	__u32 reason;  /* enum skb_drop_reason; 0 before 5.17 */
	__u32 netns;   /* inode of the namespace the drop happened in, 0 unknown */
	__u32 ifindex; /* the device's, within that namespace; 0 for none */
	__u16 l3;      /* ethertype, host order: 0x0800, 0x86dd, 0x0806 ...; 0 unknown */
	__u8 l4;       /* IPPROTO_* for IP packets, else 0 */
	__u8 kind;     /* NT_FREE_*, maybe with NT_FREE_IF_SITE (free_kind.h) */
};

/* Per CPU: each CPU adds to its own copy, user space sums them. */
struct exporter_value {
	__u64 packets;
	__u64 bytes; /* from the network header on, else skb->len */
};

#endif
