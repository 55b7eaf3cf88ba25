// SPDX-License-Identifier: MIT
// Command-line text to `struct nt_filter` pieces (bpf/nettrace/filter_spec.h).
//
// Every parser takes the option it parses for (as the user would recognise
// it, e.g. "-s") so that its UsageError names option, value and reason in
// one line. Byte order follows filter_spec.h: addresses as on the wire and
// masked to their prefix, ports and protocol numbers in host order.
#pragma once

#include <nettrace/filter_spec.h>
// quoted_value() and is_decimal() were declared here first.
#include <nettrace/common/cli/text.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace nettrace {

// IPPROTO_* numbers the filter knows by name or treats specially.
inline constexpr std::uint8_t kProtoIcmp = 1;
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;
inline constexpr std::uint8_t kProtoDccp = 33;
inline constexpr std::uint8_t kProtoIcmpv6 = 58;
inline constexpr std::uint8_t kProtoSctp = 132;
inline constexpr std::uint8_t kProtoUdplite = 136;

// "10.0.0.0/8", "fd00::/64", or a bare address (a /32 or /128 network).
// Host bits beyond the prefix are cleared: "10.1.2.3/8" is 10.0.0.0/8;
// `mask` holds the prefix as bytes.
// Throws UsageError.
nt_net parse_network(std::string_view option, std::string_view text);

// "80" or "8000-8080", inclusive, 0..65535. Port 0 is accepted: it is
// reserved, but packets that carry it exist and are worth finding.
// Throws UsageError for junk, values above 65535 and reversed ranges.
nt_port_range parse_port_range(std::string_view option, std::string_view text);

// tcp, udp, icmp, icmp6 (or icmpv6), sctp in any case, or a number 0..255.
// Throws UsageError listing the accepted names.
std::uint8_t parse_protocol(std::string_view option, std::string_view text);

// True for the protocols whose header starts with 16-bit source and
// destination ports, which are the ones the BPF parser reads ports from:
// TCP, UDP, UDP-Lite, SCTP and DCCP.
bool protocol_has_ports(std::uint8_t proto);

// "tcp", "icmp6", ... or the number for protocols without a name here.
std::string protocol_name(std::uint8_t proto);

// "10.0.0.0/8" / "fd00::/64"; "any" when the network is not set.
std::string format_network(const nt_net &net);

// "80" or "8000-8080"; "any" when the range is not set.
std::string format_port_range(const nt_port_range &range);

// One line for verbose output, e.g. "ipv4, proto tcp, src 10.0.0.0/8,
// dst port 80 or 443, ifindex 3, netns 4026531840";
// "all packets" when nothing is set.
std::string describe(const nt_filter &filter);

} // namespace nettrace
