// SPDX-License-Identifier: MIT
// A classic BPF instruction, as libpcap compiles them, without libpcap's
// header: its `struct bpf_insn` and linux/bpf.h's (eBPF) share one name, so
// no file can include both.
#pragma once

#include <cstdint>
#include <vector>

namespace nettrace::pcap {

struct ClassicInsn {
	std::uint16_t code;
	std::uint8_t jt;
	std::uint8_t jf;
	std::uint32_t k;
};

using ClassicProgram = std::vector<ClassicInsn>;

} // namespace nettrace::pcap
