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
 *     frees the copies.
 * Both are queue purges of a socket the packet is charged to: the kernel
 * says QUEUE_PURGE where it has that reason (6.7 on), and frees them
 * from a few purge functions before (see free_kind.hpp).
 */
#ifndef NETTRACE_FREE_KIND_H
#define NETTRACE_FREE_KIND_H

/* Kinds of free. */
#define NT_FREE_DROP 0        /* a packet lost */
#define NT_FREE_CLOSE_PURGE 1 /* queued on a TCP socket, purged when it closed */
#define NT_FREE_TAP_COPY 2    /* a copy a packet or raw socket held, purged when it closed */
#define NT_FREE_KIND_COUNT 3

/*
 * Or-ed onto a kind by BPF when only the drop site can tell: a kernel
 * without the QUEUE_PURGE reason. The free is of that kind if the site is
 * a queue purge function, else it is NT_FREE_DROP; user space settles it.
 */
#define NT_FREE_IF_PURGE_SITE 0x80

/* nt_queue_purge_reason when this kernel has no QUEUE_PURGE reason. */
#define NT_NO_QUEUE_PURGE_REASON 0xffffffffu

#endif
