/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a freed packet cost, as BPF programs (free_kind.bpf.h) and user
 * space (nettrace/common/kernel/free_kind.hpp) agree on it.
 *
 * skb:kfree_skb fires for every packet freed as "not consumed", but not
 * every such free loses a packet:
 *   - a TCP socket that closes purges its receive queue: the peer's FIN,
 *     or data its application never read, had arrived;
 *   - a packet socket (a sniffer reading with recv(), scapy) or a raw
 *     socket holds copies of packets that went on their way; closing it
 *     frees the copies;
 *   - a closed connection's timewait socket answers what its peer still
 *     sends (the peer's FIN when this end closed first, a repeated ACK),
 *     then frees it.
 * The first two are queue purges of a socket the packet is charged to: the
 * kernel says QUEUE_PURGE where it has that reason (6.7 on), and frees
 * them from a few purge functions before (see free_kind.hpp). The third
 * is told by the reason, NOT_SPECIFIED or TCP_RFC7323_TW_PAWS for an old
 * duplicate, and by the socket the packet was meant for, which
 * skb:kfree_skb names from 6.11 on (rx_sk); before, by the drop site,
 * tcp_v4_rcv or tcp_v6_rcv, and only for a FIN, since a request socket
 * frees bare ACKs there too (one that found the accept queue full is a
 * real drop). A segment with data is refused by a timewait socket (the
 * application closed), and stays a drop. Before 5.17 there are no
 * reasons, and such answers cannot be told from drops.
 */
#ifndef NETTRACE_FREE_KIND_H
#define NETTRACE_FREE_KIND_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Kinds of free. */
#define NT_FREE_DROP 0        /* a packet lost */
#define NT_FREE_CLOSE_PURGE 1 /* queued on a TCP socket, purged when it closed */
#define NT_FREE_TAP_COPY 2    /* a copy a packet or raw socket held, purged when it closed */
#define NT_FREE_TIME_WAIT 3   /* a segment without data a timewait socket answered */
#define NT_FREE_KIND_COUNT 4

/*
 * Or-ed onto a kind by BPF when only the drop site can tell: a queue purge
 * on a kernel without the QUEUE_PURGE reason (the site is a queue purge
 * function), or a timewait socket's answer on a kernel that names no
 * receiving socket (the site is tcp_v4_rcv or tcp_v6_rcv). Elsewhere the
 * free is NT_FREE_DROP; user space settles it.
 */
#define NT_FREE_IF_SITE 0x80

/* A reason this kernel does not have. */
#define NT_NO_REASON 0xffffffffu

/*
 * What decides a kind on this kernel: the codes of the reasons (codes are
 * renumbered between kernels), NT_NO_REASON for those it lacks, and
 * whether skb:kfree_skb names the receiving socket. User space sets it in
 * nt_free_kind_facts before load (free_kind_facts()).
 */
struct nt_free_kind_facts {
	__u32 queue_purge;   /* QUEUE_PURGE, 6.7 on */
	__u32 not_specified; /* NOT_SPECIFIED: a segment a timewait socket answered */
	__u32 tw_paws;       /* TCP_RFC7323_TW_PAWS: an old duplicate it answered */
	__u32 rx_sk_named;   /* 1: skb:kfree_skb passes rx_sk (6.11 on) */
};

#endif
