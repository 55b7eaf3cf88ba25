/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The pcap-filter spot as both sides see it: the BPF side marks it with one
 * instruction (pcap_filter.bpf.h); user space finds that instruction before
 * the program is loaded and puts a compiled expression there
 * (common/pcap/inject.hpp).
 *
 * Expressions are compiled for Linux cooked capture v2 (LINKTYPE_LINUX_SLL2),
 * as tcpdump compiles them for "-i any": the packet the filter reads is a
 * 20-byte cooked header (protocol, device index, device type, direction,
 * link address) that the caller writes into the scratch area, followed by
 * the bytes from the packet's network header on.
 *
 * At the marker: r1 = address of the packet's network header, r2 = bytes
 * readable from there, r3 = the scratch area below, on the stack, with its
 * cooked header filled in. The verdict comes back in r0, nonzero for a
 * match. r1-r9 do not survive it.
 */
#ifndef NETTRACE_PCAP_FILTER_H
#define NETTRACE_PCAP_FILTER_H

/* The marker: "r0 = NT_PCAP_MARKER" (BPF_ALU64 | BPF_MOV | BPF_K, dst r0).
 * Left as it is, r0 is nonzero: everything matches. The value spells
 * "NTPF". */
#define NT_PCAP_MARKER 0x4e545046

/* Scratch area, in bytes from its start: the packet's length (the cooked
 * header's included), classic BPF's memory words M[0..15], where packet
 * bytes are read to, the offset being read byte by byte (a load that
 * starts in the cooked header), and the cooked header. */
#define NT_PCAP_SCRATCH_LEN 0
#define NT_PCAP_SCRATCH_MEM 8
#define NT_PCAP_MEM_WORDS 16
#define NT_PCAP_SCRATCH_BUF (NT_PCAP_SCRATCH_MEM + 4 * NT_PCAP_MEM_WORDS)
#define NT_PCAP_SCRATCH_OFFSET (NT_PCAP_SCRATCH_BUF + 8)
#define NT_PCAP_SCRATCH_COOKED (NT_PCAP_SCRATCH_OFFSET + 8)
#define NT_PCAP_COOKED_LEN 20
#define NT_PCAP_SCRATCH_BYTES (NT_PCAP_SCRATCH_COOKED + 24)

/* The cooked header's direction (its packet type byte), as the kernel's
 * PACKET_* values: "inbound" is anything but outgoing. */
#define NT_PCAP_PACKET_OUTGOING 4

/* The parts of the cooked header an expression reads (nt_filter's
 * cooked_reads): the BPF side finds out only those, since each costs
 * reads of the skb and its device for every packet. The protocol (and the
 * reserved bytes after it) is always there: nearly every expression
 * starts with it. */
#define NT_PCAP_COOKED_IFINDEX 0x1 /* bytes 4-7 */
#define NT_PCAP_COOKED_HATYPE 0x2  /* bytes 8-9 */
#define NT_PCAP_COOKED_PKTTYPE 0x4 /* byte 10 */
#define NT_PCAP_COOKED_ADDRESS 0x8 /* bytes 11-19: its length and bytes */

#endif
