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
 * `nt_free_kind_facts`, which user space sets before load to what decides
 * a kind on this kernel (free_kind.h).
 */

/* First, outside the guard: it checks NT_BTF_POINTERS on every include. */
#include <nettrace/read.bpf.h>

#ifndef NETTRACE_FREE_KIND_BPF_H
#define NETTRACE_FREE_KIND_BPF_H

#include <nettrace/free_kind.h>
#include <nettrace/packet.bpf.h>

const volatile struct nt_free_kind_facts nt_free_kind_facts = {
	.queue_purge = NT_NO_REASON,
	.not_specified = NT_NO_REASON,
	.tw_paws = NT_NO_REASON,
	.rx_sk_named = 0,
};

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
 * Whether `skb`, freed in TCP's receive without a socket it is charged
 * to, may be a segment without data that a timewait socket answered: no
 * SYN (a new connection), no data (refused: the application closed), and
 * the reason such a segment gets there (NOT_SPECIFIED, the catch-all, or
 * TW_PAWS; a bad checksum is TCP_CSUM and stays a drop). With `need_fin`
 * (when only the drop site can tell, before 6.11) it must be a FIN: a
 * request socket frees bare ACKs there too, among them the last ACK of a
 * handshake that found the accept queue full, which is a real drop. The
 * segment is described by TCP's control block, which TCP fills in before
 * it looks for a socket; what is freed earlier reads otherwise, and is
 * settled as a drop by its site or its socket.
 */
static __always_inline bool nt_time_wait_answered(struct sk_buff *skb, __u32 reason, bool need_fin)
{
	const struct tcp_skb_cb *cb;
	__u32 seq, end_seq;
	__u8 flags;

	if (reason != nt_free_kind_facts.not_specified && reason != nt_free_kind_facts.tw_paws)
		return false;
	cb = (const void *)((unsigned long)skb + bpf_core_field_offset(struct sk_buff, cb));
	seq = BPF_CORE_READ(cb, seq);
	end_seq = BPF_CORE_READ(cb, end_seq);
	flags = BPF_CORE_READ_BITFIELD_PROBED(cb, tcp_flags); /* u8 before 6.17 */
	if (need_fin && !(flags & NT_TCP_FLAG_FIN))
		return false;
	/* end_seq counts the data, and one for SYN and for FIN. */
	return !(flags & NT_TCP_FLAG_SYN) && end_seq - seq == ((flags & NT_TCP_FLAG_FIN) ? 1 : 0);
}

/*
 * The kind of a free (NT_FREE_*) of `skb`, dropped with `reason` when
 * `has_reason`. `sk` is its socket, of kind `kind` (nt_sock_kind): the one
 * it is charged to (skb->sk) when `charged`, else the one it was meant
 * for (rx_sk, 6.11 on), or NULL. A socket's packet freed without loss is
 * a queue purge: where the kernel names one (QUEUE_PURGE), that decides
 * here; elsewhere only the drop site can, and the kind carries
 * NT_FREE_IF_SITE for user space to settle. A packet meant for a
 * socket is freed without loss when a timewait socket answered it: told
 * by rx_sk where the kernel names it, else by the drop site, and then
 * only for a FIN (see nt_time_wait_answered).
 */
static __always_inline __u8 nt_free_kind(struct sk_buff *skb, struct sock *sk, __u8 kind,
					 bool charged, __u32 reason, bool has_reason)
{
	__u8 free_kind;

	if (!charged) {
		bool by_site = !nt_free_kind_facts.rx_sk_named;

		if (!has_reason || !nt_time_wait_answered(skb, reason, by_site))
			return NT_FREE_DROP;
		if (by_site)
			return NT_FREE_TIME_WAIT | NT_FREE_IF_SITE;
		return kind == NT_SOCK_TCP &&
				       NT_READ_CHAIN(sk, __sk_common.skc_state) == NT_TCP_TIME_WAIT
			       ? NT_FREE_TIME_WAIT
			       : NT_FREE_DROP;
	}
	if (kind == NT_SOCK_TCP)
		free_kind = NT_FREE_CLOSE_PURGE;
	else if (kind == NT_SOCK_TAP)
		free_kind = NT_FREE_TAP_COPY;
	else
		return NT_FREE_DROP;
	if (has_reason && nt_free_kind_facts.queue_purge != NT_NO_REASON)
		return reason == nt_free_kind_facts.queue_purge ? free_kind : NT_FREE_DROP;
	return free_kind | NT_FREE_IF_SITE;
}

#endif /* NETTRACE_FREE_KIND_BPF_H */
