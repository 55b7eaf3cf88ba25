// SPDX-License-Identifier: MIT
// Which parts of the cooked header (pcap_filter.h) a classic program may
// read, so that the BPF side finds out only those for each packet.
#pragma once

#include <nettrace/common/pcap/classic.hpp>

#include <cstdint>

namespace nettrace::pcap {

// NT_PCAP_COOKED_* bits: every part a load of `program` may touch. A load
// at X + k may touch anything from k on.
std::uint32_t cooked_reads(const ClassicProgram &program);

} // namespace nettrace::pcap
