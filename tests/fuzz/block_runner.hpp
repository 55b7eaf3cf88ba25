// SPDX-License-Identifier: MIT
// Runs a translated pcap-filter block in user space, for the fuzz target to
// compare with libpcap's interpreter on inputs no fixed list has. Only the
// instructions the translator emits are known; anything else, a read
// outside the packet or the scratch area, or a jump outside the block is a
// translator bug and aborts. The kernel itself runs the blocks in
// test_pcap_filter.
#pragma once

#include <nettrace/common/pcap/translate.hpp>

#include <cstdint>
#include <vector>

namespace nettrace::pcap {

// The block's verdict (r0) on `packet` behind the cooked header `cooked`
// (pcap_filter.h).
std::uint64_t run_block(const EbpfBlock &block, const std::vector<std::uint8_t> &cooked,
			const std::vector<std::uint8_t> &packet);

} // namespace nettrace::pcap
