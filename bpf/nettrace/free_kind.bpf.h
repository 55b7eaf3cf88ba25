/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* DEFINES GLOBALS: include once per object */
/*
 * Telling frees that lose a packet from those that lose none (free_kind.h
 * says which these are), and TCP sockets from the others a packet may be
 * charged to.
 *
 * Include after vmlinux.h, bpf_helpers.h, bpf_core_read.h and bpf_endian.h,
 * from exactly
 * one .bpf.c per BPF object: it defines the read-only global
 * `nt_queue_purge_reason`, which user space sets before load to this
 * kernel's code of QUEUE_PURGE (codes are renumbered between kernels), or
 * leaves at NT_NO_QUEUE_PURGE_REASON.
 */

/* First, outside the guard: it checks NT_BTF_POINTERS on every include. */
#include <nettrace/read.bpf.h>

#ifndef NETTRACE_FREE_KIND_BPF_H
#define NETTRACE_FREE_KIND_BPF_H

#include <nettrace/free_kind.h>
#include <nettrace/packet.bpf.h>

const volatile __u32 nt_queue_purge_reason = NT_NO_QUEUE_PURGE_REASON;

/* Numbers vmlinux.h has as enumerators or not at all, kept together. */
#define NT_AF_PACKET 17
#define NT_SOCK_STREAM 1
#define NT_SOCK_RAW 3
#define NT_TCP_TIME_WAIT 6
#define NT_TCP_NEW_SYN_RECV 12

/* Kinds of socket. */
#define NT_SOCK_NONE 0
#define NT_SOCK_TCP 1   /* a TCP socket, or TCP's request or timewait socket */
#define NT_SOCK_TAP 2   /* a packet socket or a raw IP socket: it holds copies */
#define NT_SOCK_OTHER 3 /* UDP, unix, netlink ...: its state is no TCP state */

/*
 * The kind of socket `sk` (which may be NULL). Every socket has a state
 * field, TCP's or not: a packet socket reads 7, which as a TCP state is
 * CLOSE. Only a TCP socket's state may be shown as one.
 */
static __always_inline __u8 nt_sock_kind(struct sock *sk)
{
	__u16 family, type, protocol;
	__u8 state;

	if (!sk)
		return NT_SOCK_NONE;
	family = NT_READ_CHAIN(sk, __sk_common.skc_family);
	if (family == NT_AF_PACKET)
		return NT_SOCK_TAP;
	if (family != NT_AF_INET && family != NT_AF_INET6)
		return NT_SOCK_OTHER;
	/* Request and timewait sockets end after their sock_common: the
	 * type and protocol of a full socket lie beyond it. Among IP
	 * sockets only TCP's (and DCCP's, which has no TCP headers) take
	 * these two states, and the kernel tells them apart the same way
	 * (sk_fullsock). */
	state = NT_READ_CHAIN(sk, __sk_common.skc_state);
	if (state == NT_TCP_TIME_WAIT || state == NT_TCP_NEW_SYN_RECV)
		return NT_SOCK_TCP;
	/* Both were 8-bit bitfields before 5.6, u16 since. */
	type = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_type);
	protocol = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	if (type == NT_SOCK_STREAM && protocol == NT_IPPROTO_TCP)
		return NT_SOCK_TCP;
	if (type == NT_SOCK_RAW)
		return NT_SOCK_TAP;
	return NT_SOCK_OTHER;
}

/*
 * The kind of a free (NT_FREE_*) of a packet charged to a socket of kind
 * `owner` (that of skb->sk: a purged packet is its socket's; never rx_sk,
 * which only names the socket a received packet was meant for), with
 * drop reason `reason` when `has_reason`. Only a queue purge frees a
 * socket's packet without losing it: where the kernel names one
 * (QUEUE_PURGE), that decides here; elsewhere only the drop site can,
 * and the kind carries NT_FREE_IF_PURGE_SITE for user space to settle.
 */
static __always_inline __u8 nt_free_kind(__u8 owner, __u32 reason, bool has_reason)
{
	__u8 kind;

	if (owner == NT_SOCK_TCP)
		kind = NT_FREE_CLOSE_PURGE;
	else if (owner == NT_SOCK_TAP)
		kind = NT_FREE_TAP_COPY;
	else
		return NT_FREE_DROP;
	if (has_reason && nt_queue_purge_reason != NT_NO_QUEUE_PURGE_REASON)
		return reason == nt_queue_purge_reason ? kind : NT_FREE_DROP;
	return kind | NT_FREE_IF_PURGE_SITE;
}

#endif /* NETTRACE_FREE_KIND_BPF_H */
