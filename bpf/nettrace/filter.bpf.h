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
#include <nettrace/pcap_filter.bpf.h>

/* The filter, set by user space before load (skel->rodata). */
const volatile struct nt_filter nettrace_filter = {};

/* Does `addr` (network order, as in struct nt_packet) lie in `net`? Both
 * the filter's address and its mask are ready made, so this is four word
 * compares; an IPv4 network's mask is 0 past its first word. nt_packet
 * and nt_net keep their addresses at offsets that are multiples of 4. */
static __always_inline bool nt_net_contains(const volatile struct nt_net *net, const __u8 *addr)
{
	const volatile __u32 *want = (const volatile __u32 *)net->addr;
	const volatile __u32 *mask = (const volatile __u32 *)net->mask;
	const __u32 *have = (const __u32 *)addr;

#pragma unroll
	for (int i = 0; i < 4; i++)
		if ((have[i] & mask[i]) != want[i])
			return false;
	return true;
}

/* Does `addr` lie in any of the networks? An address of the other family
 * never matches a network, not even ::/0. */
static __always_inline bool nt_nets_match(const volatile struct nt_nets *nets,
					  const struct nt_packet *pkt, const __u8 *addr)
{
#pragma unroll
	for (__u32 i = 0; i < NT_FILTER_NETS; i++) {
		if (i >= nets->count)
			break;
		if (nets->net[i].family == pkt->family && nt_net_contains(&nets->net[i], addr))
			return true;
	}
	return false;
}

/* Is `port` in any of the ranges? */
static __always_inline bool nt_ports_match(const volatile struct nt_ports *ports, __u16 port)
{
#pragma unroll
	for (__u32 i = 0; i < NT_FILTER_PORTS; i++) {
		if (i >= ports->count)
			break;
		if (port >= ports->range[i].lo && port <= ports->range[i].hi)
			return true;
	}
	return false;
}

/* Whether the filter asks anything of the packet's headers (everything but
 * --netns and --interface): if not, a program that only counts need not
 * parse them. The filter is read-only data, so the verifier knows the
 * answer and drops the parsing from the program. */
static __always_inline bool nt_filter_reads_packet(void)
{
	const volatile struct nt_filter *f = &nettrace_filter;

	return f->family || f->has_proto || f->saddr.count || f->daddr.count ||
	       f->either_addr.count || f->sport.count || f->dport.count || f->either_port.count;
}

/*
 * Does the packet pass the filter (everything but the namespace and the
 * device, see nt_netns_match and nt_ifindex_match)? With no filter set
 * every packet matches, IP or not; with any filter set a packet that is
 * not IPv4/IPv6 never does, and with any port filter set a packet without
 * ports never does. Each option given must match (AND), with any of its
 * values (OR).
 */
static __always_inline bool nt_filter_match(const struct nt_packet *pkt)
{
	const volatile struct nt_filter *f = &nettrace_filter;
	bool port_filter = f->sport.count || f->dport.count || f->either_port.count;

	if (!nt_filter_reads_packet())
		return true;
	if (!pkt->family)
		return false;
	if (f->family && pkt->family != f->family)
		return false;
	if (f->has_proto && pkt->l4proto != f->proto)
		return false;

	if (f->saddr.count && !nt_nets_match(&f->saddr, pkt, pkt->saddr))
		return false;
	if (f->daddr.count && !nt_nets_match(&f->daddr, pkt, pkt->daddr))
		return false;
	if (f->either_addr.count && !nt_nets_match(&f->either_addr, pkt, pkt->saddr) &&
	    !nt_nets_match(&f->either_addr, pkt, pkt->daddr))
		return false;

	if (!port_filter)
		return true;
	if (!pkt->has_ports)
		return false;
	if (f->sport.count && !nt_ports_match(&f->sport, pkt->sport))
		return false;
	if (f->dport.count && !nt_ports_match(&f->dport, pkt->dport))
		return false;
	if (f->either_port.count && !nt_ports_match(&f->either_port, pkt->sport) &&
	    !nt_ports_match(&f->either_port, pkt->dport))
		return false;
	return true;
}

/* The device's ARPHRD_* type; NT_ARPHRD_NONE for a packet on none. */
static __always_inline __u16 nt_skb_hatype(struct sk_buff *skb)
{
	struct net_device *dev = NT_READ_CHAIN(skb, dev);

	return dev ? NT_READ_CHAIN(dev, type) : NT_ARPHRD_NONE;
}

/*
 * The cooked header tcpdump's "any" device would give the packet: its
 * protocol, its device (else the one it came in on), whether it is
 * outgoing (nt_skb_outgoing), and, where an Ethernet header was built or
 * received (loopback's is one of zeros), its source address. Only the
 * parts the expression reads are found out (nettrace_filter.cooked_reads,
 * read-only data: the verifier drops the rest); the others are never read.
 */
static __always_inline void nt_pcap_cook(struct sk_buff *skb, const unsigned char *head, __u32 tail,
					 __u16 ethertype, struct nt_pcap_cooked *c)
{
	const __u32 reads = nettrace_filter.cooked_reads;

	c->protocol = bpf_htons(ethertype);
	c->reserved = 0;
	if (reads & NT_PCAP_COOKED_IFINDEX)
		c->ifindex = bpf_htonl(nt_skb_ifindex(skb));
	if (reads & NT_PCAP_COOKED_HATYPE)
		c->hatype = bpf_htons(nt_skb_hatype(skb));
	if (reads & NT_PCAP_COOKED_PKTTYPE)
		c->pkttype = nt_skb_outgoing(skb) ? NT_PCAP_PACKET_OUTGOING
						  : BPF_CORE_READ_BITFIELD_PROBED(skb, pkt_type);
	if (reads & NT_PCAP_COOKED_ADDRESS) {
		__u16 hatype = nt_skb_hatype(skb);
		__u16 mac = NT_READ_CHAIN(skb, mac_header);

		c->halen = 0;
		__builtin_memset(c->addr, 0, sizeof(c->addr));
		if ((hatype == NT_ARPHRD_ETHER || hatype == NT_ARPHRD_LOOPBACK) &&
		    mac != NT_SKB_HEADER_UNSET && mac + NT_ETH_HLEN <= tail &&
		    !bpf_probe_read_kernel(c->addr, 6, head + mac + 6))
			c->halen = 6;
	}
}

/*
 * Does the packet match the command line's pcap-filter expression? It is
 * matched as tcpdump matches it on its "any" device: a cooked header
 * (nt_pcap_cook), then the packet from its network header on. `pkt` is
 * nt_parse_skb()'s: IPv4 and IPv6 packets start at its l3_off, others at
 * skb->network_header (else skb->data), and none is read past the linear
 * data (skb->tail), which is all that can be read as one piece.
 * With no expression this is true at no cost: has_expression is read-only
 * data, so the verifier drops the rest. Always inlined, as nt_pcap_match
 * must be: keep every caller inlined too.
 */
static __always_inline bool nt_expression_match(struct sk_buff *skb, const struct nt_packet *pkt)
{
	struct nt_pcap_scratch scratch;
	const unsigned char *head, *data;
	__u32 tail, len, linear, from_data, l3;
	__u16 ethertype;

	if (!nettrace_filter.has_expression)
		return true;
	head = NT_READ_CHAIN(skb, head);
	data = NT_READ_CHAIN(skb, data);
	tail = NT_READ_CHAIN(skb, tail);
	len = NT_READ_CHAIN(skb, len);
	if (pkt->family) {
		l3 = pkt->l3_off;
		ethertype = pkt->family == NT_AF_INET ? NT_ETH_P_IP : NT_ETH_P_IPV6;
	} else {
		__u16 nh = NT_READ_CHAIN(skb, network_header);

		l3 = nh != NT_SKB_HEADER_UNSET && nh != 0 ? nh : data - head;
		ethertype = bpf_ntohs(NT_READ_CHAIN(skb, protocol));
	}
	if (l3 > tail)
		return false;
	/* skb->len counts from skb->data, which may be before the network
	 * header (a link header pushed) or after it (pulled to L4). */
	from_data = data - head;
	linear = tail - l3;
	if (from_data + len > l3 && from_data + len - l3 < linear)
		linear = from_data + len - l3;
	nt_pcap_cook(skb, head, tail, ethertype, &scratch.cooked);
	return nt_pcap_match((__u64)head + l3, linear, &scratch);
}

/* Do the headers of `skb` pass the filter, the expression included? They
 * are parsed only when the filter asks about them (nt_filter_reads_packet)
 * or an expression was given. */
static __always_inline bool nt_filter_skb_match(struct sk_buff *skb)
{
	struct nt_packet pkt;

	if (!nt_filter_reads_packet() && !nettrace_filter.has_expression)
		return true;
	nt_parse_skb(skb, &pkt);
	return nt_filter_match(&pkt) && nt_expression_match(skb, &pkt);
}

/* Does socket `sk`, at a point that sees only a socket, pass the filter?
 * `receiving` gives the direction its addresses are read in. A socket is
 * on no device, so --interface leaves every such point out, and has no
 * packet bytes, so a pcap-filter expression does too; its headers are
 * read only when the filter asks about them. */
static __always_inline bool nt_filter_sock_match(struct sock *sk, bool receiving)
{
	struct nt_packet pkt;

	if (!sk || nettrace_filter.ifindex || nettrace_filter.has_expression)
		return false;
	if (!nt_filter_reads_packet())
		return true;
	nt_parse_sock(sk, receiving, &pkt);
	return nt_filter_match(&pkt);
}

/* Is `ifindex` the device --interface names? 0 in the filter means any; a
 * packet on no device (0) never matches a device filter. The index is the
 * device's in its own namespace: user space sets netns_ino with it, and
 * the caller checks the namespace too (nt_netns_match). */
static __always_inline bool nt_ifindex_match(__u32 ifindex)
{
	__u32 want = nettrace_filter.ifindex;

	return !want || ifindex == want;
}

/* Is the packet on the device --interface names (nt_skb_ifindex)? With no
 * --interface nothing is read. */
#define nt_skb_on_interface(skb) (!nettrace_filter.ifindex || nt_ifindex_match(nt_skb_ifindex(skb)))

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
