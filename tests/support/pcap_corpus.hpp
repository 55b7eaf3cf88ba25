// SPDX-License-Identifier: MIT
// pcap-filter expressions and packets to run them on: built here, byte by
// byte, so that each one's interesting field is plain to see. A packet is
// its bytes from the network header on, and the Linux cooked (v2) header
// the kernel side puts in front of them (pcap_filter.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nettrace::test {

struct CorpusPacket {
	std::string name;
	std::vector<std::uint8_t> bytes;
	std::vector<std::uint8_t> cooked; // 20 bytes

	// What libpcap reads: the cooked header, then the bytes.
	std::vector<std::uint8_t> wire() const;
};

const std::vector<std::string> &pcap_expressions();
const std::vector<CorpusPacket> &pcap_packets();

} // namespace nettrace::test
