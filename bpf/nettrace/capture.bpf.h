/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Copying a packet's first bytes for a capture (nettrace/capture.h).
 *
 * Include after vmlinux.h, bpf_helpers.h, bpf_core_read.h and bpf_endian.h.
 * Defines no globals: any header may include it.
 */

/* First, outside the guard: it checks NT_BTF_POINTERS on every include. */
#include <nettrace/read.bpf.h>

#ifndef NETTRACE_CAPTURE_BPF_H
#define NETTRACE_CAPTURE_BPF_H

#include <nettrace/capture.h>
#include <nettrace/packet.bpf.h>

/* An 802.1Q tag between the Ethernet header and the IP header. */
#define NT_CAPTURE_VLAN_HLEN 4

/* The link header's length when the packet has an Ethernet header a
 * capture may start at: skb->mac_header set, on an Ethernet-like device,
 * right before the IP header (at `l3`), and whose ethertype says IP or
 * VLAN. 0 otherwise: the capture starts at the IP header. */
static __always_inline __u32 nt_capture_link_len(struct sk_buff *skb, const unsigned char *head,
						 __u32 l3)
{
	struct net_device *dev = NT_READ_CHAIN(skb, dev);
	__u16 mac = NT_READ_CHAIN(skb, mac_header);
	__u16 type, ethertype = 0;
	__u32 len;

	if (!dev || mac == NT_SKB_HEADER_UNSET || mac > l3)
		return 0;
	len = l3 - mac;
	type = NT_READ_CHAIN(dev, type);
	if (!(len == NT_ETH_HLEN ||
	      (len == NT_ETH_HLEN + NT_CAPTURE_VLAN_HLEN && type == NT_ARPHRD_ETHER)))
		return 0;
	if (type != NT_ARPHRD_ETHER && type != NT_ARPHRD_LOOPBACK)
		return 0;
	if (bpf_probe_read_kernel(&ethertype, sizeof(ethertype), head + mac + 12))
		return 0;
	ethertype = bpf_ntohs(ethertype);
	if (ethertype != NT_ETH_P_IP && ethertype != NT_ETH_P_IPV6 && ethertype != NT_ETH_P_8021Q &&
	    ethertype != NT_ETH_P_8021AD)
		return 0;
	return len;
}

/* `len`, at most the constant `max`, in a way the verifier can see on
 * every kernel: compiled from C, the test may land on a copy of the
 * register (a 32-bit value widened by two shifts) and leave the one
 * passed to the helper unbounded. */
#define NT_CAPTURE_BOUNDED(len, max)                       \
	({                                                 \
		__u64 nt_len_ = (len);                     \
		asm volatile("if %[l] <= %[m] goto +1\n\t" \
			     "%[l] = %[m]"                 \
			     : [l] "+r"(nt_len_)           \
			     : [m] "i"(max));              \
		nt_len_;                                   \
	})

/* Fills `cap` and says how many bytes to copy, and from where: the
 * packet's first `snaplen` bytes of linear data, from its link header when
 * it has one (nt_capture_link_len), else from its IP header (pkt, from
 * nt_parse_skb); what lies past skb->tail (page fragments) is not read. */
static __always_inline const unsigned char *nt_capture_start(struct nt_capture_head *cap,
							     struct sk_buff *skb,
							     const struct nt_packet *pkt,
							     __u32 snaplen)
{
	const unsigned char *head = NT_READ_CHAIN(skb, head);
	const unsigned char *data = NT_READ_CHAIN(skb, data);
	__u32 tail = NT_READ_CHAIN(skb, tail);
	__s64 from_start;
	__u32 start = pkt->l3_off, link_len, caplen = 0;

	link_len = nt_capture_link_len(skb, head, start);
	start -= link_len;
	cap->link = link_len ? NT_CAPTURE_LINK_ETHERNET : NT_CAPTURE_LINK_RAW;
	cap->direction = nt_skb_outgoing(skb) ? NT_CAPTURE_OUTBOUND : NT_CAPTURE_INBOUND;
	__builtin_memset(cap->reserved, 0, sizeof(cap->reserved));
	/* skb->len counts from skb->data, which receive has moved past the IP
	 * header by the time TCP drops it: the length from `start` on is
	 * skb->len and the bytes between them. */
	from_start = (__s64)NT_READ_CHAIN(skb, len) + (data - head) - start;
	cap->origlen = from_start > 0 ? (__u32)from_start : 0;
	if (tail > start)
		caplen = tail - start;
	if (caplen > cap->origlen)
		caplen = cap->origlen;
	if (caplen > snaplen)
		caplen = snaplen;
	cap->caplen = caplen;
	return head + start;
}

/* The bytes nt_capture_start() chose, into `bytes` of constant size `max`. */
#define NT_CAPTURE_COPY(cap, bytes, max, from)                                             \
	do {                                                                               \
		if (bpf_probe_read_kernel((bytes), NT_CAPTURE_BOUNDED((cap)->caplen, max), \
					  (from)))                                         \
			(cap)->caplen = 0;                                                 \
	} while (0)

#endif
