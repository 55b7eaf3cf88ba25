/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* DEFINES GLOBALS: include once per object */
/*
 * The BPF side of the packet filter: match a `struct nt_packet` (see
 * packet.bpf.h) against the `struct nt_filter` user space put in read-only
 * data, and a packet's network namespace against --netns.
 *
 * Include after vmlinux.h, bpf_helpers.h, bpf_core_read.h and bpf_endian.h,
 * from exactly one .bpf.c per BPF object: this header defines the global
 * `nettrace_filter`. It includes read.bpf.h and packet.bpf.h, so a program
 * that includes only this header has the parser and the readers too.
 */

/* First, outside the guard: it checks NT_BTF_POINTERS on every include. */
#include <nettrace/read.bpf.h>

#ifndef NETTRACE_FILTER_BPF_H
#define NETTRACE_FILTER_BPF_H

#include <nettrace/filter_spec.h>
#include <nettrace/packet.bpf.h>

/* The filter, set by user space before load (skel->rodata). */
const volatile struct nt_filter nettrace_filter = {};

/* Does `addr` (network order, as in struct nt_packet) lie in `net`? The
 * filter's address is already masked, so only the packet's needs masking.
 * Callers check the family first. */
static __always_inline bool nt_net_contains(const volatile struct nt_net *net, const __u8 *addr)
{
	__u32 prefix = net->prefix_len;

#pragma unroll
	for (int i = 0; i < 16; i++) {
		__u8 mask;

		if (prefix >= (__u32)(i + 1) * 8)
			mask = 0xff;
		else if (prefix <= (__u32)i * 8)
			mask = 0;
		else
			mask = (__u8)(0xff << (8 - (prefix - i * 8)));
		if ((addr[i] & mask) != net->addr[i])
			return false;
	}
	return true;
}

static __always_inline bool nt_net_match(const volatile struct nt_net *net,
					 const struct nt_packet *pkt, const __u8 *addr)
{
	/* An address of the other family never matches, not even ::/0. */
	return net->family == pkt->family && nt_net_contains(net, addr);
}

static __always_inline bool nt_port_in_range(const volatile struct nt_port_range *range, __u16 port)
{
	return port >= range->lo && port <= range->hi;
}

/* Whether the filter asks anything of the packet's headers (everything but
 * --netns): if not, a program that only counts need not parse them. The
 * filter is read-only data, so the verifier knows the answer and drops
 * the parsing from the program. */
static __always_inline bool nt_filter_reads_packet(void)
{
	const volatile struct nt_filter *f = &nettrace_filter;

	return f->family || f->has_proto || f->saddr.family || f->daddr.family ||
	       f->either_addr.family || f->sport.enabled || f->dport.enabled ||
	       f->either_port.enabled;
}

/*
 * Does the packet pass the filter (everything but the namespace, see
 * nt_netns_match)? With no filter set every packet matches, IP or not;
 * with any filter set a packet that is not IPv4/IPv6 never does, and with
 * any port filter set a packet without ports never does.
 */
static __always_inline bool nt_filter_match(const struct nt_packet *pkt)
{
	const volatile struct nt_filter *f = &nettrace_filter;
	bool port_filter = f->sport.enabled || f->dport.enabled || f->either_port.enabled;

	if (!nt_filter_reads_packet())
		return true;
	if (!pkt->family)
		return false;
	if (f->family && pkt->family != f->family)
		return false;
	if (f->has_proto && pkt->l4proto != f->proto)
		return false;

	if (f->saddr.family && !nt_net_match(&f->saddr, pkt, pkt->saddr))
		return false;
	if (f->daddr.family && !nt_net_match(&f->daddr, pkt, pkt->daddr))
		return false;
	if (f->either_addr.family && !nt_net_match(&f->either_addr, pkt, pkt->saddr) &&
	    !nt_net_match(&f->either_addr, pkt, pkt->daddr))
		return false;

	if (!port_filter)
		return true;
	if (!pkt->has_ports)
		return false;
	if (f->sport.enabled && !nt_port_in_range(&f->sport, pkt->sport))
		return false;
	if (f->dport.enabled && !nt_port_in_range(&f->dport, pkt->dport))
		return false;
	if (f->either_port.enabled && !nt_port_in_range(&f->either_port, pkt->sport) &&
	    !nt_port_in_range(&f->either_port, pkt->dport))
		return false;
	return true;
}

/* Is `ino` the namespace the filter asks for? 0 in the filter means any;
 * an unknown namespace (0) never matches a namespace filter. */
static __always_inline bool nt_netns_match(__u32 ino)
{
	__u32 want = nettrace_filter.netns_ino;

	return !want || ino == want;
}

/*
 * Is the packet in the namespace the filter asks for (nt_skb_netns: its
 * device's, else that of socket `sk`)? With no --netns every packet is, and
 * neither `skb` nor `sk` is read: finding the namespace costs pointer
 * chasing, and `sk` is only evaluated when asked, so a caller may pass
 * NT_READ_CHAIN(skb, sk) at no cost to the fast path.
 */
#define nt_skb_in_netns(skb, sk) \
	(!nettrace_filter.netns_ino || nt_netns_match(nt_skb_netns((skb), (sk))))

#endif /* NETTRACE_FILTER_BPF_H */
