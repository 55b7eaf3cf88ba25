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

/* One network: an address with a prefix length. family 0 = not set. */
struct nt_net {
	__u8 family;     /* 0, NT_AF_INET or NT_AF_INET6 */
	__u8 prefix_len; /* 0..32 or 0..128 */
	__u8 pad[2];
	__u8 addr[16];   /* network order, masked; IPv4 uses the first 4 */
};

/* An inclusive port range in host order. enabled 0 = not set. */
struct nt_port_range {
	__u16 lo;
	__u16 hi;
	__u8 enabled;
	__u8 pad[3];
};

struct nt_filter {
	__u8 family;      /* 0 = any, else NT_AF_INET / NT_AF_INET6 (-4 / -6) */
	__u8 has_proto;   /* -p given */
	__u8 proto;       /* L4 protocol number (IPPROTO_*) */
	__u8 pad;
	__u32 netns_ino;  /* 0 = any network namespace */
	struct nt_net saddr;        /* -s */
	struct nt_net daddr;        /* -d */
	struct nt_net either_addr;  /* -N: source or destination */
	struct nt_port_range sport; /* -S */
	struct nt_port_range dport; /* -D */
	struct nt_port_range either_port; /* -P: source or destination */
};

#endif
