/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The packet filter as both sides see it: user space fills one
 * `struct nt_filter` from the command line (common/filter.hpp) and stores it
 * in a BPF program's read-only data; the BPF side (filter.bpf.h) applies it
 * to every packet.
 *
 * Byte order rule, kept in exactly one place each side:
 *   - addresses are stored as on the wire (network byte order), already
 *     masked to the prefix, so matching is a byte-wise compare;
 *   - ports are stored in host byte order, and the BPF parser converts the
 *     packet's ports to host order once, so range compares are numeric.
 */
#ifndef NETTRACE_FILTER_SPEC_H
#define NETTRACE_FILTER_SPEC_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define NT_AF_INET 2
#define NT_AF_INET6 10

/* How many values each address option (-s, -d, -N) and each port option
 * (-S, -D, -P) takes. Small and fixed, so that the BPF side loops over
 * them in bounded loops every verifier accepts, and a packet costs a few
 * compares per value given. */
#define NT_FILTER_NETS 4
#define NT_FILTER_PORTS 8

/* One network: an address with a prefix length. family 0 = not set. */
struct nt_net {
	__u8 family;     /* 0, NT_AF_INET or NT_AF_INET6 */
	__u8 prefix_len; /* 0..32 or 0..128 */
	__u8 pad[2];
	__u8 addr[16]; /* network order, masked; IPv4 uses the first 4 */
	__u8 mask[16]; /* the prefix as a mask, network order: the BPF side
			* compares 32-bit words without computing masks */
};

/* An inclusive port range in host order. enabled 0 = not set. */
struct nt_port_range {
	__u16 lo;
	__u16 hi;
	__u8 enabled;
	__u8 pad[3];
};

/* The values of one address option: a packet matches any of them. */
struct nt_nets {
	__u32 count; /* 0 = option not given */
	struct nt_net net[NT_FILTER_NETS];
};

/* The values of one port option: a packet matches any of them. */
struct nt_ports {
	__u32 count; /* 0 = option not given */
	struct nt_port_range range[NT_FILTER_PORTS];
};

/*
 * Options of different kinds must all match (AND); the values of one
 * option are alternatives (OR): -P 80 -P 443 -s 10.0.0.0/8 is "port 80 or
 * 443, from 10.0.0.0/8".
 */
struct nt_filter {
	__u8 family;                 /* 0 = any, else NT_AF_INET / NT_AF_INET6 (-4 / -6) */
	__u8 has_proto;              /* -p given */
	__u8 proto;                  /* L4 protocol number (IPPROTO_*) */
	__u8 has_expression;         /* a pcap-filter expression is in the programs */
	__u32 netns_ino;             /* 0 = any network namespace */
	__u32 ifindex;               /* --interface: 0 = any device, else the device's
			  * index in namespace netns_ino (always set with it) */
	struct nt_nets saddr;        /* -s */
	struct nt_nets daddr;        /* -d */
	struct nt_nets either_addr;  /* -N: source or destination */
	struct nt_ports sport;       /* -S */
	struct nt_ports dport;       /* -D */
	struct nt_ports either_port; /* -P: source or destination */
	__u32 cooked_reads;          /* NT_PCAP_COOKED_* (pcap_filter.h) the
				      * expression reads */
};

/* Bits of nt_packet.tcp_flags, byte 13 of the TCP header. */
#define NT_TCP_FLAG_FIN 0x01
#define NT_TCP_FLAG_SYN 0x02
#define NT_TCP_FLAG_RST 0x04
#define NT_TCP_FLAG_PSH 0x08
#define NT_TCP_FLAG_ACK 0x10
#define NT_TCP_FLAG_URG 0x20
#define NT_TCP_FLAG_ECE 0x40
#define NT_TCP_FLAG_CWR 0x80

/*
 * One packet as the BPF parser (nt_parse_skb in filter.bpf.h) found it.
 * Shared so that BPF programs can hand it to user space in events, with
 * the same byte order rule as the filter: addresses as on the wire, ports
 * in host order.
 */
struct nt_packet {
	__u8 family;    /* 0 (not IP / unreadable), NT_AF_INET, NT_AF_INET6 */
	__u8 l4proto;   /* IPPROTO_* after IPv6 extension headers */
	__u8 has_ports; /* sport and dport are valid */
	__u8 tcp_flags; /* byte 13 of the TCP header, 0 for other protocols */
	__u8 fragment;  /* a non-first fragment: it has no L4 header */
	__u8 pad[3];
	__u16 sport;    /* host byte order */
	__u16 dport;    /* host byte order */
	__u32 l3_off;   /* L3 header, from skb->head */
	__u32 l4_off;   /* L4 header, from skb->head; 0 when not found */
	__u8 saddr[16]; /* network byte order; IPv4 uses the first 4 */
	__u8 daddr[16];
};

#endif
