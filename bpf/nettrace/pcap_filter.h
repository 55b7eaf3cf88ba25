/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The pcap-filter spot as both sides see it: the BPF side marks it with one
 * instruction (pcap_filter.bpf.h); user space finds that instruction before
 * the program is loaded and puts a compiled expression there
 * (common/pcap/inject.hpp).
 *
 * At the marker: r1 = address of the packet's network header, r2 = bytes
 * readable from there, r3 = the scratch area below, on the stack. The
 * verdict comes back in r0, nonzero for a match. r1-r9 do not survive it.
 */
#ifndef NETTRACE_PCAP_FILTER_H
#define NETTRACE_PCAP_FILTER_H

/* The marker: "r0 = NT_PCAP_MARKER" (BPF_ALU64 | BPF_MOV | BPF_K, dst r0).
 * Left as it is, r0 is nonzero: everything matches. The value spells
 * "NTPF". */
#define NT_PCAP_MARKER 0x4e545046

/* Scratch area, in bytes from its start: the packet's length, classic BPF's
 * memory words M[0..15], and where packet bytes are read to. */
#define NT_PCAP_SCRATCH_LEN 0
#define NT_PCAP_SCRATCH_MEM 8
#define NT_PCAP_MEM_WORDS 16
#define NT_PCAP_SCRATCH_BUF (NT_PCAP_SCRATCH_MEM + 4 * NT_PCAP_MEM_WORDS)
#define NT_PCAP_SCRATCH_BYTES (NT_PCAP_SCRATCH_BUF + 8)

#endif
