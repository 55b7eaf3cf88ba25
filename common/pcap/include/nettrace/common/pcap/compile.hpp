// SPDX-License-Identifier: MIT
// pcap-filter(7) expressions, compiled by libpcap to classic BPF.
#pragma once

#include <nettrace/common/pcap/classic.hpp>

#include <string>
#include <vector>

namespace nettrace::pcap {

// The length libpcap is told packets may have: the largest a return value
// of the compiled program can need.
inline constexpr int kSnapLength = 262144;

// Compiles `expression` as tcpdump would, optimized, for packets that start
// at their IPv4 or IPv6 header (DLT_RAW): nettrace sees packets at their
// network header, with no link header in front. Throws UsageError with
// libpcap's own message when it does not compile, which includes
// expressions that need a link header ("ether host ...").
ClassicProgram compile(const std::string &expression);

// libpcap's own words for its version ("libpcap version 1.10.3 (...)").
std::string library_version();

// Command-line words joined into one expression, as tcpdump does.
std::string join_expression(const std::vector<std::string> &words);

} // namespace nettrace::pcap
