// SPDX-License-Identifier: MIT
// libpcap's own answers, for comparing nettrace's translation with: its
// interpreter's verdict and its compiler's error message. Kept apart from
// files that include linux/bpf.h, whose struct bpf_insn is not libpcap's.
#pragma once

#include <nettrace/common/pcap/classic.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace nettrace::test {

// What libpcap's bpf_filter() returns on `packet`: 0 rejects it.
std::uint32_t libpcap_result(const pcap::ClassicProgram &program,
			     const std::vector<std::uint8_t> &packet);
// Whether libpcap's bpf_filter() accepts `packet` (nonzero return).
bool libpcap_matches(const pcap::ClassicProgram &program, const std::vector<std::uint8_t> &packet);

// libpcap's message for an expression it cannot compile for pcap::kLinkType; empty
// when it compiles.
std::string libpcap_compile_error(const std::string &expression);

} // namespace nettrace::test
