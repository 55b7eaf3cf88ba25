// SPDX-License-Identifier: MIT
// pcap-filter expressions and packets (from the network header on) to run
// them on: built here, byte by byte, so that each one's interesting field
// is plain to see.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nettrace::test {

struct CorpusPacket {
	std::string name;
	std::vector<std::uint8_t> bytes;
};

const std::vector<std::string> &pcap_expressions();
const std::vector<CorpusPacket> &pcap_packets();

} // namespace nettrace::test
