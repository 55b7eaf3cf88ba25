/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Parsing packets: an sk_buff's IPv4/IPv6 and TCP/UDP/SCTP/UDP-Lite/DCCP
 * headers (nt_parse_skb), or a socket's addresses and ports
 * (nt_parse_sock), into `struct nt_packet`.
 *
 * Include after vmlinux.h, bpf_helpers.h, bpf_core_read.h and bpf_endian.h.
 * Defines no globals: any header may include it.
 *
 * Everything is read with NT_READ_CHAIN (read.bpf.h) or
 * bpf_probe_read_kernel, so the functions work from tp_btf, raw_tp and
 * kprobe programs alike, and only use fields that exist in every kernel
 * from 5.5 (bpf_probe_read_kernel, tp_btf) on.
 */

/* First, outside the guard: it checks NT_BTF_POINTERS on every include. */
#include <nettrace/read.bpf.h>

#ifndef NETTRACE_PACKET_BPF_H
#define NETTRACE_PACKET_BPF_H

#include <nettrace/filter_spec.h>

/* Ethertypes and IPv6 extension header numbers are preprocessor macros in
 * the kernel, so vmlinux.h does not carry them; the protocol numbers it does
 * carry are repeated here to keep every number the parser uses together. */
#define NT_ETH_P_IP 0x0800
#define NT_ETH_P_IPV6 0x86DD
#define NT_ETH_P_8021Q 0x8100
#define NT_ETH_P_8021AD 0x88A8

#define NT_IPPROTO_HOPOPTS 0
#define NT_IPPROTO_TCP 6
#define NT_IPPROTO_UDP 17
#define NT_IPPROTO_DCCP 33
#define NT_IPPROTO_ROUTING 43
#define NT_IPPROTO_FRAGMENT 44
#define NT_IPPROTO_AH 51
#define NT_IPPROTO_DSTOPTS 60
#define NT_IPPROTO_SCTP 132
#define NT_IPPROTO_UDPLITE 136

/* ARPHRD_* device types (include/uapi/linux/if_arp.h), and the length of
 * an Ethernet header, which the loopback device's packets carry too. */
#define NT_ARPHRD_ETHER 1
#define NT_ARPHRD_LOOPBACK 772
#define NT_ARPHRD_NONE 0xfffe
#define NT_ETH_HLEN 14

/* Unset skb->network_header / transport_header. */
#define NT_SKB_HEADER_UNSET 0xffff

/* How many IPv6 extension headers are walked before giving up on the L4
 * header. Real traffic rarely carries more than two. */
#define NT_IPV6_MAX_EXT_HEADERS 6

/* On-the-wire header layouts, spelled out with plain bytes so that neither
 * the bitfield order of vmlinux.h's iphdr nor its kernel version matters. */
struct nt_ipv4_hdr {
	__u8 version_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__be16 check;
	__u8 saddr[4];
	__u8 daddr[4];
};

struct nt_ipv6_hdr {
	__u8 version_class_flow[4];
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* The first four bytes of every IPv6 extension header nt_parse_skb walks;
 * frag_off is only meaningful in a fragment header. */
struct nt_ipv6_ext_hdr {
	__u8 nexthdr;
	__u8 len;
	__be16 frag_off;
};

struct nt_vlan_tag {
	__be16 tci;
	__be16 inner_proto;
};

/* The bytes at L3, read in one helper call (each read is one, and this
 * runs for every packet a program sees): the version nibble, an IPv4
 * header without options or an IPv6 header, and the first 14 bytes after
 * either, which hold TCP's ports and flags. Bytes past skb->tail are not
 * read and stay zero; `len` says how many were read. */
#define NT_L3_WINDOW 56
#define NT_L4_START_BYTES 14
struct nt_l3_window {
	union {
		struct nt_ipv4_hdr ip4;
		struct nt_ipv6_hdr ip6;
		__u8 bytes[NT_L3_WINDOW];
	};
	__u32 len;
};

_Static_assert(sizeof(struct nt_ipv6_hdr) + NT_L4_START_BYTES <= NT_L3_WINDOW,
	       "the window holds an IPv6 header and TCP's ports and flags");

/* Reads the window at `l3`; its version nibble, 0 if nothing could be
 * read. */
static __always_inline __u8 nt_read_l3_window(struct nt_l3_window *w, const unsigned char *head,
					      __u32 l3, __u32 tail)
{
	__u32 len = tail > l3 ? tail - l3 : 0;

	__builtin_memset(w, 0, sizeof(*w));
	if (len > NT_L3_WINDOW)
		len = NT_L3_WINDOW;
	if (len == 0 || bpf_probe_read_kernel(w->bytes, len, head + l3))
		return 0;
	w->len = len;
	return w->bytes[0] >> 4;
}

static __always_inline bool nt_ipv6_is_ext_header(__u8 proto)
{
	return proto == NT_IPPROTO_HOPOPTS || proto == NT_IPPROTO_ROUTING ||
	       proto == NT_IPPROTO_FRAGMENT || proto == NT_IPPROTO_DSTOPTS ||
	       proto == NT_IPPROTO_AH;
}

static __always_inline bool nt_proto_has_ports(__u8 proto)
{
	return proto == NT_IPPROTO_TCP || proto == NT_IPPROTO_UDP || proto == NT_IPPROTO_SCTP ||
	       proto == NT_IPPROTO_UDPLITE || proto == NT_IPPROTO_DCCP;
}

/*
 * Where the L3 header starts (offset from head) and which ethertype it is,
 * with the bytes there in *w. Returns 0 when the skb does not look like
 * IPv4/IPv6.
 *
 * skb->network_header is the kernel's own word on where L3 starts; only
 * when it is unset (0 or 0xffff) does skb->data stand in, which is L3 on
 * the receive path (netif_receive_skb) but may be an L4 header on the
 * transmit path, so there skb->protocol must name IP or VLAN.
 */
static __always_inline __u16 nt_find_l3(struct sk_buff *skb, const unsigned char *head, __u32 tail,
					__u32 *l3, struct nt_l3_window *w)
{
	__u16 nh = NT_READ_CHAIN(skb, network_header);
	__u16 proto = bpf_ntohs(NT_READ_CHAIN(skb, protocol));
	bool nh_set = nh != NT_SKB_HEADER_UNSET && nh != 0;
	__u8 version;

	if (nh_set) {
		*l3 = nh;
	} else {
		const unsigned char *data = NT_READ_CHAIN(skb, data);
		if (proto != NT_ETH_P_IP && proto != NT_ETH_P_IPV6 && proto != NT_ETH_P_8021Q &&
		    proto != NT_ETH_P_8021AD)
			return 0;
		if (data < head)
			return 0;
		*l3 = data - head;
	}

	if (proto == NT_ETH_P_8021Q || proto == NT_ETH_P_8021AD) {
		/* An in-band tag not yet removed (rx before skb_vlan_untag)
		 * sits where L3 would start; after vlan_insert_tag on
		 * transmit, protocol says VLAN but the network header is the
		 * IP header. Accept the tag reading only when the inner
		 * ethertype and the version nibble after the tag agree. */
		struct nt_vlan_tag tag = {};
		__u16 inner;

		if (bpf_probe_read_kernel(&tag, sizeof(tag), head + *l3))
			return 0;
		inner = bpf_ntohs(tag.inner_proto);
		version = nt_read_l3_window(w, head, *l3 + sizeof(tag), tail);
		if ((inner == NT_ETH_P_IP && version == 4) ||
		    (inner == NT_ETH_P_IPV6 && version == 6)) {
			*l3 += sizeof(tag);
			return inner;
		}
		if (!nh_set)
			return 0;
		proto = 0; /* decide by the version nibble below */
	}

	version = nt_read_l3_window(w, head, *l3, tail);
	if (proto == 0 && nh_set) {
		/* Locally built packets can be dropped before the stack sets
		 * skb->protocol; their network header is still IP. */
		if (version == 4)
			return NT_ETH_P_IP;
		if (version == 6)
			return NT_ETH_P_IPV6;
		return 0;
	}
	/* Trust skb->protocol only when the header agrees with it. */
	if (proto == NT_ETH_P_IP && version == 4)
		return proto;
	if (proto == NT_ETH_P_IPV6 && version == 6)
		return proto;
	return 0;
}

/*
 * Fills *pkt from the skb's headers. Returns 0 when an IPv4 or IPv6 header
 * was read (pkt->family set; ports only if the L4 header was reachable),
 * -1 otherwise (pkt->family 0).
 *
 * The L4 offset is computed from the L3 header, never taken from
 * skb->transport_header: on receive that field equals the network header
 * until ip_rcv / ipv6_rcv set it, and for IPv6 it points at each extension
 * header in turn while they are processed, so at many drop sites it is not
 * the L4 header.
 *
 * Header bytes beyond skb->tail (in page fragments, or absent in a
 * truncated packet) are not read: what lies past the linear data is not
 * this packet's header.
 */
static __always_inline int nt_parse_skb(struct sk_buff *skb, struct nt_packet *pkt)
{
	struct nt_l3_window w;
	const unsigned char *head;
	__u32 tail, l3 = 0, l4 = 0;
	__u16 ethertype;
	__u8 l4proto;

	__builtin_memset(pkt, 0, sizeof(*pkt));
	head = NT_READ_CHAIN(skb, head);
	tail = NT_READ_CHAIN(skb, tail);
	if (!head)
		return -1;
	ethertype = nt_find_l3(skb, head, tail, &l3, &w);

	if (ethertype == NT_ETH_P_IP) {
		const struct nt_ipv4_hdr ip4 = w.ip4;
		__u32 ihl_bytes;

		if (w.len < sizeof(ip4))
			return -1;
		ihl_bytes = (ip4.version_ihl & 0x0f) * 4;
		if (ihl_bytes < sizeof(ip4))
			return -1;
		pkt->family = NT_AF_INET;
		__builtin_memcpy(pkt->saddr, ip4.saddr, sizeof(ip4.saddr));
		__builtin_memcpy(pkt->daddr, ip4.daddr, sizeof(ip4.daddr));
		l4proto = ip4.protocol;
		/* Only the first fragment (offset 0) holds the L4 header. */
		if (bpf_ntohs(ip4.frag_off) & 0x1fff)
			pkt->fragment = 1;
		else
			l4 = l3 + ihl_bytes;
	} else if (ethertype == NT_ETH_P_IPV6) {
		const struct nt_ipv6_hdr ip6 = w.ip6;
		__u32 off;

		if (w.len < sizeof(ip6))
			return -1;
		pkt->family = NT_AF_INET6;
		__builtin_memcpy(pkt->saddr, ip6.saddr, sizeof(ip6.saddr));
		__builtin_memcpy(pkt->daddr, ip6.daddr, sizeof(ip6.daddr));
		l4proto = ip6.nexthdr;
		off = l3 + sizeof(ip6);

#pragma unroll
		for (int i = 0; i < NT_IPV6_MAX_EXT_HEADERS; i++) {
			struct nt_ipv6_ext_hdr ext = {};

			if (!nt_ipv6_is_ext_header(l4proto) || pkt->fragment)
				break;
			/* Every extension header is at least 8 bytes. */
			if (off + 8 > tail || bpf_probe_read_kernel(&ext, sizeof(ext), head + off))
				break;
			if (l4proto == NT_IPPROTO_FRAGMENT) {
				/* Offset in 8-byte units in the top 13 bits. */
				if (bpf_ntohs(ext.frag_off) & 0xfff8)
					pkt->fragment = 1;
				off += 8;
			} else if (l4proto == NT_IPPROTO_AH) {
				off += ((__u32)ext.len + 2) * 4;
			} else {
				off += ((__u32)ext.len + 1) * 8;
			}
			l4proto = ext.nexthdr;
		}
		/* Still at an extension header: too many, or unreadable. */
		if (!pkt->fragment && !nt_ipv6_is_ext_header(l4proto))
			l4 = off;
	} else {
		return -1;
	}

	pkt->l3_off = l3;
	pkt->l4proto = l4proto;
	if (!l4)
		return 0;
	pkt->l4_off = l4;

	/* TCP's ports and flags (byte 13) come in one read, or none when the
	 * window already holds them: right after an IPv4 header without
	 * options or an IPv6 header without extensions. */
	struct {
		__be16 ports[2];
		__u8 rest[10];
	} l4_start = {};
	_Static_assert(sizeof(l4_start) == NT_L4_START_BYTES, "TCP's ports and flags");
	const __u32 l4_bytes = l4proto == NT_IPPROTO_TCP && l4 + 14 <= tail    ? 14
			       : nt_proto_has_ports(l4proto) && l4 + 4 <= tail ? 4
									       : 0;
	bool l4_read = false;
	/* The window is the bytes at L3, so L4 is in it at offset 20 or 40
	 * whatever the family. The offsets are constants: older verifiers
	 * refuse a stack read at a variable offset. */
	if (l4 - l3 == sizeof(struct nt_ipv4_hdr)) {
		__builtin_memcpy(&l4_start, w.bytes + sizeof(struct nt_ipv4_hdr), sizeof(l4_start));
		l4_read = true;
	} else if (l4 - l3 == sizeof(struct nt_ipv6_hdr)) {
		__builtin_memcpy(&l4_start, w.bytes + sizeof(struct nt_ipv6_hdr), sizeof(l4_start));
		l4_read = true;
	} else if (l4_bytes) {
		l4_read = !bpf_probe_read_kernel(&l4_start, l4_bytes, head + l4);
	}
	if (l4_bytes && l4_read) {
		/* The one place packet ports become host order. */
		pkt->sport = bpf_ntohs(l4_start.ports[0]);
		pkt->dport = bpf_ntohs(l4_start.ports[1]);
		pkt->has_ports = 1;
		if (l4_bytes == 14)
			pkt->tcp_flags = l4_start.rest[9];
	}
	return 0;
}

/*
 * Fills *pkt from a socket, for probe points that see a socket and no
 * packet (tcp_sendmsg, udp_recvmsg ...). The addresses and ports are put in
 * the direction the data travels: on receive the peer is the source, on
 * send the local end is. Returns -1 for sockets that are not IPv4/IPv6.
 */
static __always_inline int nt_parse_sock(struct sock *sk, bool receiving, struct nt_packet *pkt)
{
	__u16 family, local_port, remote_port;
	__u8 *src, *dst;

	__builtin_memset(pkt, 0, sizeof(*pkt));
	if (!sk)
		return -1;
	family = NT_READ_CHAIN(sk, __sk_common.skc_family);
	/* The local port is kept in host order, the peer's as on the wire. */
	local_port = NT_READ_CHAIN(sk, __sk_common.skc_num);
	remote_port = bpf_ntohs(NT_READ_CHAIN(sk, __sk_common.skc_dport));
	src = receiving ? pkt->daddr : pkt->saddr;
	dst = receiving ? pkt->saddr : pkt->daddr;

	if (family == NT_AF_INET) {
		__be32 local = NT_READ_CHAIN(sk, __sk_common.skc_rcv_saddr);
		__be32 remote = NT_READ_CHAIN(sk, __sk_common.skc_daddr);

		__builtin_memcpy(src, &local, sizeof(local));
		__builtin_memcpy(dst, &remote, sizeof(remote));
	} else if (family == NT_AF_INET6) {
		bpf_core_read(src, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(dst, 16, &sk->__sk_common.skc_v6_daddr);
	} else {
		return -1;
	}
	pkt->family = family;
	/* sk_protocol was an 8-bit bitfield before 5.6, a u16 since. */
	pkt->l4proto = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	if (nt_proto_has_ports(pkt->l4proto)) {
		pkt->has_ports = 1;
		pkt->sport = receiving ? remote_port : local_port;
		pkt->dport = receiving ? local_port : remote_port;
	}
	return 0;
}

#endif /* NETTRACE_PACKET_BPF_H */
