// SPDX-License-Identifier: MIT
#include <nettrace/common/cli/filter.hpp>
#include <nettrace/common/cli/text_match.hpp>
#include <nettrace/errors.hpp>

#include <fmt/format.h>

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <vector>

namespace nettrace {

namespace {

struct NamedProtocol {
	std::string_view name;
	std::uint8_t number;
};

// Names accepted by -p, in the order the error message lists them. The
// first name of a number is the one describe() prints.
constexpr std::array<NamedProtocol, 8> kProtocolNames = {{
	{"tcp", kProtoTcp},
	{"udp", kProtoUdp},
	{"icmp", kProtoIcmp},
	{"icmp6", kProtoIcmpv6},
	{"icmpv6", kProtoIcmpv6},
	{"sctp", kProtoSctp},
	{"udplite", kProtoUdplite},
	{"dccp", kProtoDccp},
}};

// Parses a plain decimal number (digits only: no sign, no spaces, no hex).
// Returns false for anything else and for values beyond uint64.
bool parse_decimal(std::string_view text, std::uint64_t &value)
{
	if (!is_decimal(text))
		return false;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
	return ec == std::errc() && end == text.data() + text.size();
}

bool has_control_bytes(std::string_view text)
{
	for (unsigned char c : text)
		if (c < 0x20 || c >= 0x7f)
			return true;
	return false;
}

// Clears every address bit beyond the prefix, so that the BPF side can
// compare masked packet bytes with these bytes directly, and writes the
// mask it masks them with.
void mask_to_prefix(nt_net &net)
{
	const unsigned bytes = net.family == NT_AF_INET ? 4 : 16;
	for (unsigned i = 0; i < sizeof(net.addr); ++i) {
		const unsigned first_bit = i * 8;
		if (i >= bytes || first_bit >= net.prefix_len)
			net.mask[i] = 0;
		else if (net.prefix_len - first_bit < 8)
			net.mask[i] = static_cast<std::uint8_t>(
				0xff << (8 - (net.prefix_len - first_bit)));
		else
			net.mask[i] = 0xff;
		net.addr[i] &= net.mask[i];
	}
}

std::uint16_t parse_port(std::string_view option, std::string_view whole, std::string_view part)
{
	std::uint64_t value = 0;
	if (!is_decimal(part))
		throw UsageError(fmt::format(
			"{}: {} is not a port or port range (expected e.g. 80 or 8000-8080)",
			option, quoted_value(whole)));
	if (!parse_decimal(part, value) || value > 65535)
		throw UsageError(fmt::format(
			"{}: port {} is out of range (0-65535){}", option, part,
			part.size() == whole.size() ? "" : " in " + quoted_value(whole)));
	return static_cast<std::uint16_t>(value);
}

} // namespace

nt_net parse_network(std::string_view option, std::string_view text)
{
	if (text.empty())
		throw UsageError(fmt::format(
			"{}: empty value, expected an IPv4 or IPv6 address or network", option));

	const size_t slash = text.find('/');
	const std::string_view addr_text = text.substr(0, slash);
	const std::string in_whole =
		slash == std::string_view::npos ? std::string() : " in " + quoted_value(text);

	nt_net net{};
	// inet_pton reads a C string: an embedded NUL would silently cut the
	// text short, so such bytes are rejected before it sees them.
	const std::string addr_str(addr_text);
	unsigned max_prefix = 0;
	if (has_control_bytes(addr_text)) {
		// fall through to the error below
	} else if (inet_pton(AF_INET, addr_str.c_str(), net.addr) == 1) {
		net.family = NT_AF_INET;
		max_prefix = 32;
	} else if (inet_pton(AF_INET6, addr_str.c_str(), net.addr) == 1) {
		net.family = NT_AF_INET6;
		max_prefix = 128;
	}
	if (!net.family) {
		const char *hint = addr_text.find('%') != std::string_view::npos
					   ? " (scope ids like %eth0 are not supported)"
					   : "";
		throw UsageError(fmt::format("{}: {} is not an IPv4 or IPv6 address{}{}", option,
					     quoted_value(addr_text), in_whole, hint));
	}

	const char *family_name = net.family == NT_AF_INET ? "IPv4" : "IPv6";
	net.prefix_len = static_cast<std::uint8_t>(max_prefix);
	if (slash != std::string_view::npos) {
		const std::string_view prefix_text = text.substr(slash + 1);
		std::uint64_t prefix = 0;
		if (prefix_text.empty())
			throw UsageError(fmt::format("{}: missing prefix length after '/' in {}",
						     option, quoted_value(text)));
		if (!is_decimal(prefix_text))
			throw UsageError(fmt::format("{}: prefix length {} is not a number in {}",
						     option, quoted_value(prefix_text),
						     quoted_value(text)));
		if (!parse_decimal(prefix_text, prefix) || prefix > max_prefix)
			throw UsageError(fmt::format(
				"{}: prefix length {} is out of range for {} (0-{}) in {}", option,
				prefix_text, family_name, max_prefix, quoted_value(text)));
		net.prefix_len = static_cast<std::uint8_t>(prefix);
	}
	mask_to_prefix(net);
	return net;
}

nt_port_range parse_port_range(std::string_view option, std::string_view text)
{
	if (text.empty())
		throw UsageError(fmt::format(
			"{}: empty value, expected a port or a range like 8000-8080", option));

	nt_port_range range{};
	const size_t dash = text.find('-');
	if (dash == std::string_view::npos) {
		range.lo = range.hi = parse_port(option, text, text);
	} else {
		range.lo = parse_port(option, text, text.substr(0, dash));
		range.hi = parse_port(option, text, text.substr(dash + 1));
		if (range.lo > range.hi)
			throw UsageError(fmt::format("{}: port range {} is reversed ({} > {})",
						     option, quoted_value(text), range.lo,
						     range.hi));
	}
	range.enabled = 1;
	return range;
}

std::uint8_t parse_protocol(std::string_view option, std::string_view text)
{
	if (text.empty())
		throw UsageError(
			fmt::format("{}: empty value, expected a protocol name or number", option));

	if (is_decimal(text)) {
		std::uint64_t value = 0;
		if (!parse_decimal(text, value) || value > 255)
			throw UsageError(fmt::format(
				"{}: protocol number {} is out of range (0-255)", option, text));
		return static_cast<std::uint8_t>(value);
	}
	for (const NamedProtocol &p : kProtocolNames)
		if (equals_ignoring_case(text, p.name))
			return p.number;

	std::string accepted;
	for (const NamedProtocol &p : kProtocolNames)
		accepted += std::string(p.name) + ", ";
	throw UsageError(
		fmt::format("{}: unknown protocol {} (expected one of {}or a number 0-255)", option,
			    quoted_value(text), accepted));
}

bool protocol_has_ports(std::uint8_t proto)
{
	switch (proto) {
	case kProtoTcp:
	case kProtoUdp:
	case kProtoUdplite:
	case kProtoSctp:
	case kProtoDccp:
		return true;
	default:
		return false;
	}
}

std::string protocol_name(std::uint8_t proto)
{
	for (const NamedProtocol &p : kProtocolNames)
		if (p.number == proto)
			return std::string(p.name);
	return std::to_string(proto);
}

std::string format_network(const nt_net &net)
{
	char buf[INET6_ADDRSTRLEN] = {};
	int af;
	if (net.family == NT_AF_INET)
		af = AF_INET;
	else if (net.family == NT_AF_INET6)
		af = AF_INET6;
	else
		return "any";
	if (!inet_ntop(af, net.addr, buf, sizeof(buf)))
		return "invalid";
	return fmt::format("{}/{}", buf, net.prefix_len);
}

std::string format_port_range(const nt_port_range &range)
{
	if (!range.enabled)
		return "any";
	if (range.lo == range.hi)
		return std::to_string(range.lo);
	return fmt::format("{}-{}", range.lo, range.hi);
}

namespace {

// "src 10.0.0.0/8" or "src 10.0.0.0/8 or fd00::/64".
std::string describe_nets(const char *what, const nt_nets &nets)
{
	std::string out = what;
	for (std::uint32_t i = 0; i < nets.count && i < NT_FILTER_NETS; ++i)
		out += (i ? " or " : " ") + format_network(nets.net[i]);
	return out;
}

std::string describe_ports(const char *what, const nt_ports &ports)
{
	std::string out = what;
	for (std::uint32_t i = 0; i < ports.count && i < NT_FILTER_PORTS; ++i)
		out += (i ? " or " : " ") + format_port_range(ports.range[i]);
	return out;
}

} // namespace

std::string describe(const nt_filter &filter)
{
	std::vector<std::string> parts;
	if (filter.family == NT_AF_INET)
		parts.emplace_back("ipv4");
	else if (filter.family == NT_AF_INET6)
		parts.emplace_back("ipv6");
	if (filter.has_proto)
		parts.push_back("proto " + protocol_name(filter.proto));
	if (filter.saddr.count)
		parts.push_back(describe_nets("src", filter.saddr));
	if (filter.daddr.count)
		parts.push_back(describe_nets("dst", filter.daddr));
	if (filter.either_addr.count)
		parts.push_back(describe_nets("src or dst", filter.either_addr));
	if (filter.sport.count)
		parts.push_back(describe_ports("src port", filter.sport));
	if (filter.dport.count)
		parts.push_back(describe_ports("dst port", filter.dport));
	if (filter.either_port.count)
		parts.push_back(describe_ports("src or dst port", filter.either_port));
	if (filter.ifindex)
		parts.push_back(fmt::format("ifindex {}", filter.ifindex));
	if (filter.netns_ino)
		parts.push_back(fmt::format("netns {}", filter.netns_ino));
	if (parts.empty())
		return "all packets";
	std::string out;
	for (const std::string &p : parts) {
		if (!out.empty())
			out += ", ";
		out += p;
	}
	return out;
}

} // namespace nettrace
