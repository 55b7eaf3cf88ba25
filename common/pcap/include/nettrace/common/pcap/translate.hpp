// SPDX-License-Identifier: MIT
// Classic BPF (as libpcap compiles it) to an eBPF block that runs in a
// tracing program, where the packet is not directly readable.
//
// The block starts with the registers the marker of pcap_filter.h sets
// (r1 packet address, r2 length, r3 scratch area) and leaves its verdict in
// r0: classic BPF's return value, nonzero for a match. It ends by running
// off its last instruction or jumping just past it, where the caller puts
// the jump back. Inside, A and X live in r6 and r7, the packet address in
// r8 and the scratch area in r9, since helper calls clobber r1-r5.
//
// Semantics follow classic BPF: loads are big-endian, and a load past the
// packet's length, or a division by X == 0, makes the filter return 0.
#pragma once

#include <nettrace/common/pcap/classic.hpp>

#include <linux/bpf.h>
#include <vector>

namespace nettrace::pcap {

using EbpfBlock = std::vector<bpf_insn>;

// Throws UsageError naming the instruction when the program cannot be
// translated (an unknown opcode, a jump out of the program, a memory word
// out of range, a constant division by zero): never a partial block.
EbpfBlock translate(const ClassicProgram &program);

} // namespace nettrace::pcap
