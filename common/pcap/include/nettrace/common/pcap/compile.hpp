// SPDX-License-Identifier: MIT
// pcap-filter(7) expressions, compiled by libpcap to classic BPF.
#pragma once

#include <nettrace/common/pcap/classic.hpp>

#include <pcap/dlt.h>
#include <string>
#include <vector>

namespace nettrace::pcap {

// The length libpcap is told packets may have: the largest a return value
// of the compiled program can need.
inline constexpr int kSnapLength = 262144;

// The link type expressions are compiled for: Linux cooked capture v2, as
// tcpdump uses on its "any" device. nettrace, too, sees packets of every
// device, at their network header; the kernel side puts a cooked header
// in front (pcap_filter.h).
inline constexpr int kLinkType = DLT_LINUX_SLL2;

// Compiles `expression` as tcpdump would for "-i any", optimized. Throws
// UsageError with libpcap's own message when it does not compile, which
// includes expressions a cooked header cannot answer ("ether dst ...").
ClassicProgram compile(const std::string &expression);

// libpcap's own words for its version ("libpcap version 1.10.3 (...)").
std::string library_version();

// Command-line words joined into one expression, as tcpdump does.
std::string join_expression(const std::vector<std::string> &words);

} // namespace nettrace::pcap
