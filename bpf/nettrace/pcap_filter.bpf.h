/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nt_pcap_match(): whether a packet matches the pcap-filter expression
 * given on the command line. The expression is not known when this is
 * compiled: this only marks the spot (pcap_filter.h), and user space puts
 * the expression, translated to eBPF, there before the program is loaded.
 *
 * Call it from a program's own body, not from a function that is not
 * inlined: user space sees only the programs' main code before loading
 * (check_no_marker_left() in common/pcap/inject.hpp says so after it).
 */
#ifndef NETTRACE_PCAP_FILTER_BPF_H
#define NETTRACE_PCAP_FILTER_BPF_H

#include <nettrace/pcap_filter.h>

/* Linux cooked capture v2's header, every field in network order. */
struct nt_pcap_cooked {
	__be16 protocol; /* the ethertype */
	__be16 reserved;
	__be32 ifindex;
	__be16 hatype; /* the device's ARPHRD_* type */
	__u8 pkttype;  /* PACKET_HOST ... NT_PCAP_PACKET_OUTGOING */
	__u8 halen;    /* bytes of addr used */
	__u8 addr[8];  /* the link-layer source address */
};

struct nt_pcap_scratch {
	__u64 words[NT_PCAP_SCRATCH_COOKED / 8];
	struct nt_pcap_cooked cooked;
	__u8 unused[NT_PCAP_SCRATCH_BYTES - NT_PCAP_SCRATCH_COOKED - sizeof(struct nt_pcap_cooked)];
};

_Static_assert(sizeof(struct nt_pcap_cooked) == NT_PCAP_COOKED_LEN, "cooked header size");
_Static_assert(__builtin_offsetof(struct nt_pcap_scratch, cooked) == NT_PCAP_SCRATCH_COOKED,
	       "cooked header place");

/* data: the network header's address as a number (read from the skb, as
 * tracing programs get it), len: bytes readable from there. The caller
 * fills scratch->cooked first. */
static __always_inline bool nt_pcap_match(__u64 data, __u32 len, struct nt_pcap_scratch *scratch)
{
	register __u64 r0 asm("r0");
	register __u64 r1 asm("r1") = data;
	register __u64 r2 asm("r2") = len;
	register __u64 r3 asm("r3") = (__u64)scratch;

	/* The filter calls helpers and keeps classic BPF's A and X in r6/r7
	 * and its pointers in r8/r9: r1-r9 are all given up here, so that
	 * the compiler keeps nothing in them across the spot. Saving r6-r9
	 * inside the filter instead would not load where the program never
	 * wrote one of them: the verifier refuses to store a register that
	 * was never written. */
	asm volatile("r0 = %[marker]"
		     : "=r"(r0), "+r"(r1), "+r"(r2), "+r"(r3)
		     : [marker] "i"(NT_PCAP_MARKER)
		     : "r4", "r5", "r6", "r7", "r8", "r9", "memory");
	return r0 != 0;
}

#endif
