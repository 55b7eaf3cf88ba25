// SPDX-License-Identifier: MIT
// Parsing filter values: networks, ports, protocols, namespaces, and the
// byte order of what ends up in struct nt_filter.
#include <nettrace/common/cli/filter.hpp>
#include <nettrace/common/cli/netns.hpp>
#include <nettrace/errors.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace nettrace {
namespace {

// The UsageError message `fn` throws; fails the test if it throws nothing
// or something else.
std::string usage_error_of(const std::function<void()> &fn)
{
	try {
		fn();
	} catch (const UsageError &e) {
		EXPECT_EQ(e.exit_code(), NETTRACE_EXIT_USAGE);
		return e.what();
	} catch (const std::exception &e) {
		ADD_FAILURE() << "expected UsageError, got: " << e.what();
		return {};
	}
	ADD_FAILURE() << "expected UsageError, nothing thrown";
	return {};
}

std::vector<std::uint8_t> bytes_of(const nt_net &net)
{
	return {net.addr, net.addr + sizeof(net.addr)};
}

std::vector<std::uint8_t> v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d)
{
	std::vector<std::uint8_t> out(16, 0);
	out[0] = a;
	out[1] = b;
	out[2] = c;
	out[3] = d;
	return out;
}

std::vector<std::uint8_t> v6(const char *text)
{
	std::vector<std::uint8_t> out(16, 0);
	EXPECT_EQ(inet_pton(AF_INET6, text, out.data()), 1) << text;
	return out;
}

// --- networks ---------------------------------------------------------------

TEST(ParseNetwork, BareIpv4AddressIsSlash32InWireOrder)
{
	nt_net net = parse_network("-s", "10.1.2.3");
	EXPECT_EQ(net.family, NT_AF_INET);
	EXPECT_EQ(net.prefix_len, 32);
	// On the wire, 10.1.2.3 is the bytes 0a 01 02 03 in that order.
	EXPECT_EQ(bytes_of(net), v4(10, 1, 2, 3));
	std::uint32_t as_u32;
	std::memcpy(&as_u32, net.addr, 4);
	EXPECT_EQ(as_u32, htonl(0x0a010203));
}

TEST(ParseNetwork, Ipv4Network)
{
	nt_net net = parse_network("-s", "10.0.0.0/8");
	EXPECT_EQ(net.family, NT_AF_INET);
	EXPECT_EQ(net.prefix_len, 8);
	EXPECT_EQ(bytes_of(net), v4(10, 0, 0, 0));
}

TEST(ParseNetwork, HostBitsAreMaskedAway)
{
	EXPECT_EQ(bytes_of(parse_network("-s", "10.1.2.3/8")), v4(10, 0, 0, 0));
	EXPECT_EQ(bytes_of(parse_network("-s", "10.1.2.3/16")), v4(10, 1, 0, 0));
	EXPECT_EQ(bytes_of(parse_network("-s", "10.1.2.255/25")), v4(10, 1, 2, 128));
	EXPECT_EQ(bytes_of(parse_network("-s", "10.1.255.3/20")), v4(10, 1, 240, 0));
	EXPECT_EQ(bytes_of(parse_network("-s", "255.255.255.255/1")), v4(128, 0, 0, 0));
	EXPECT_EQ(bytes_of(parse_network("-s", "10.1.2.3/31")), v4(10, 1, 2, 2));
	EXPECT_EQ(parse_network("-s", "10.1.2.3/8").prefix_len, 8);
}

TEST(ParseNetwork, PrefixZeroMatchesEverythingOfTheFamily)
{
	nt_net net = parse_network("-s", "1.2.3.4/0");
	EXPECT_EQ(net.family, NT_AF_INET);
	EXPECT_EQ(net.prefix_len, 0);
	EXPECT_EQ(bytes_of(net), v4(0, 0, 0, 0));
	nt_net net6 = parse_network("-s", "::/0");
	EXPECT_EQ(net6.family, NT_AF_INET6);
	EXPECT_EQ(net6.prefix_len, 0);
}

TEST(ParseNetwork, Ipv6)
{
	nt_net net = parse_network("-d", "fd00::/64");
	EXPECT_EQ(net.family, NT_AF_INET6);
	EXPECT_EQ(net.prefix_len, 64);
	EXPECT_EQ(bytes_of(net), v6("fd00::"));

	nt_net host = parse_network("-d", "::1");
	EXPECT_EQ(host.family, NT_AF_INET6);
	EXPECT_EQ(host.prefix_len, 128);
	EXPECT_EQ(host.addr[15], 1);
	EXPECT_EQ(bytes_of(host), v6("::1"));

	nt_net full = parse_network("-d", "2001:db8:1:2:3:4:5:6");
	EXPECT_EQ(full.addr[0], 0x20);
	EXPECT_EQ(full.addr[1], 0x01);
	EXPECT_EQ(full.addr[2], 0x0d);
	EXPECT_EQ(full.addr[3], 0xb8);
	EXPECT_EQ(full.addr[15], 0x06);
}

TEST(ParseNetwork, Ipv6Masking)
{
	EXPECT_EQ(bytes_of(parse_network("-d", "fd00:1:2:3:4:5:6:7/64")), v6("fd00:1:2:3::"));
	EXPECT_EQ(bytes_of(parse_network("-d", "fd00:1:2:3:4:5:6:7/60")), v6("fd00:1:2::"));
	EXPECT_EQ(bytes_of(parse_network("-d", "fd00:ffff::/20")), v6("fd00:f000::"));
	EXPECT_EQ(bytes_of(parse_network("-d", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/127")),
		  v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"));
	EXPECT_EQ(parse_network("-d", "fd00::1/128").prefix_len, 128);
}

TEST(ParseNetwork, MappedIpv4StaysIpv6)
{
	nt_net net = parse_network("-s", "::ffff:10.0.0.1");
	EXPECT_EQ(net.family, NT_AF_INET6);
	EXPECT_EQ(net.prefix_len, 128);
	EXPECT_EQ(bytes_of(net), v6("::ffff:10.0.0.1"));
}

TEST(ParseNetwork, Errors)
{
	EXPECT_EQ(usage_error_of([] { parse_network("-s", "10.0.0.300"); }),
		  "-s: '10.0.0.300' is not an IPv4 or IPv6 address");
	EXPECT_EQ(usage_error_of([] { parse_network("-s", "10.0.0.0/33"); }),
		  "-s: prefix length 33 is out of range for IPv4 (0-32) in '10.0.0.0/33'");
	EXPECT_EQ(usage_error_of([] { parse_network("-d", "fd00::/129"); }),
		  "-d: prefix length 129 is out of range for IPv6 (0-128) in 'fd00::/129'");
	EXPECT_EQ(usage_error_of([] { parse_network("-s", "10.0.0.0/"); }),
		  "-s: missing prefix length after '/' in '10.0.0.0/'");
	EXPECT_EQ(usage_error_of([] { parse_network("-s", "10.0.0.0/x"); }),
		  "-s: prefix length 'x' is not a number in '10.0.0.0/x'");
	EXPECT_EQ(usage_error_of([] { parse_network("-s", "10.0.0.0/-1"); }),
		  "-s: prefix length '-1' is not a number in '10.0.0.0/-1'");
	EXPECT_EQ(usage_error_of([] { parse_network("-s", "10.0.0.0/99999999999999999999999"); }),
		  "-s: prefix length 99999999999999999999999 is out of range for IPv4 (0-32) "
		  "in '10.0.0.0/99999999999999999999999'");
	EXPECT_EQ(usage_error_of([] { parse_network("-s", ""); }),
		  "-s: empty value, expected an IPv4 or IPv6 address or network");
	EXPECT_EQ(usage_error_of([] { parse_network("-N", "/8"); }),
		  "-N: '' is not an IPv4 or IPv6 address in '/8'");
	EXPECT_EQ(usage_error_of([] { parse_network("-s", "10.0.0.300/8"); }),
		  "-s: '10.0.0.300' is not an IPv4 or IPv6 address in '10.0.0.300/8'");
	EXPECT_EQ(usage_error_of([] { parse_network("-s", "fe80::1%eth0"); }),
		  "-s: 'fe80::1%eth0' is not an IPv4 or IPv6 address "
		  "(scope ids like %eth0 are not supported)");
	EXPECT_EQ(usage_error_of([] { parse_network("-s", "10.0.0.0/8/9"); }),
		  "-s: prefix length '8/9' is not a number in '10.0.0.0/8/9'");
}

TEST(ParseNetwork, RejectsAlmostAddresses)
{
	for (const char *text :
	     {"10.0.0", "10.0.0.1.2", " 10.0.0.1", "10.0.0.1 ", "10.0.0.1/ 8", "10.0.0.1/+8",
	      "0x0a.0.0.1", "fd00:::1", "fd00::1::2", "hostname", "10.0.0.1/8 ", "::/1x"}) {
		EXPECT_THROW(parse_network("-s", text), UsageError) << text;
	}
}

TEST(ParseNetwork, EmbeddedNulIsNotCutShort)
{
	// inet_pton would stop at the NUL and accept "10.0.0.1".
	const std::string text("10.0.0.1\0junk", 13);
	EXPECT_EQ(usage_error_of([&] { parse_network("-s", text); }),
		  "-s: '10.0.0.1\\x00junk' is not an IPv4 or IPv6 address");
}

TEST(ParseNetwork, UnusedBytesAreZero)
{
	nt_net net = parse_network("-s", "255.255.255.255");
	for (size_t i = 4; i < sizeof(net.addr); ++i)
		EXPECT_EQ(net.addr[i], 0) << i;
	EXPECT_EQ(net.pad[0], 0);
	EXPECT_EQ(net.pad[1], 0);
}

// --- ports ------------------------------------------------------------------

TEST(ParsePortRange, SinglePortInHostOrder)
{
	nt_port_range r = parse_port_range("-P", "80");
	EXPECT_EQ(r.enabled, 1);
	EXPECT_EQ(r.lo, 80);
	EXPECT_EQ(r.hi, 80);
	// Host order: not htons(80) == 20480 on little-endian machines.
	std::uint16_t raw;
	std::memcpy(&raw, &r.lo, sizeof(raw));
	EXPECT_EQ(raw, 80);
}

TEST(ParsePortRange, Range)
{
	nt_port_range r = parse_port_range("-D", "8000-8080");
	EXPECT_EQ(r.enabled, 1);
	EXPECT_EQ(r.lo, 8000);
	EXPECT_EQ(r.hi, 8080);
	r = parse_port_range("-D", "5-5");
	EXPECT_EQ(r.lo, 5);
	EXPECT_EQ(r.hi, 5);
}

TEST(ParsePortRange, Limits)
{
	nt_port_range zero = parse_port_range("-S", "0");
	EXPECT_EQ(zero.lo, 0);
	EXPECT_EQ(zero.hi, 0);
	EXPECT_EQ(zero.enabled, 1);
	nt_port_range all = parse_port_range("-S", "0-65535");
	EXPECT_EQ(all.lo, 0);
	EXPECT_EQ(all.hi, 65535);
	EXPECT_EQ(parse_port_range("-S", "65535").lo, 65535);
	EXPECT_EQ(parse_port_range("-S", "00080").lo, 80);
}

TEST(ParsePortRange, Errors)
{
	EXPECT_EQ(usage_error_of([] { parse_port_range("-P", "70000"); }),
		  "-P: port 70000 is out of range (0-65535)");
	EXPECT_EQ(usage_error_of([] { parse_port_range("-P", "65536"); }),
		  "-P: port 65536 is out of range (0-65535)");
	EXPECT_EQ(usage_error_of([] { parse_port_range("-P", "80-70000"); }),
		  "-P: port 70000 is out of range (0-65535) in '80-70000'");
	EXPECT_EQ(usage_error_of([] { parse_port_range("-P", "90-80"); }),
		  "-P: port range '90-80' is reversed (90 > 80)");
	EXPECT_EQ(usage_error_of([] { parse_port_range("-D", "80x"); }),
		  "-D: '80x' is not a port or port range (expected e.g. 80 or 8000-8080)");
	EXPECT_EQ(usage_error_of([] { parse_port_range("-D", "-5"); }),
		  "-D: '-5' is not a port or port range (expected e.g. 80 or 8000-8080)");
	EXPECT_EQ(usage_error_of([] { parse_port_range("-S", ""); }),
		  "-S: empty value, expected a port or a range like 8000-8080");
	EXPECT_EQ(usage_error_of([] { parse_port_range("-P", "99999999999999999999999"); }),
		  "-P: port 99999999999999999999999 is out of range (0-65535)");
	for (const char *text : {"80-", "-", "80--90", "80-90-100", " 80", "80 ", "+80", "0x50",
				 "http", "8o", "80,90", "1e3"}) {
		EXPECT_THROW(parse_port_range("-P", text), UsageError) << text;
	}
}

// --- protocols --------------------------------------------------------------

TEST(ParseProtocol, NamesAnyCase)
{
	EXPECT_EQ(parse_protocol("-p", "tcp"), 6);
	EXPECT_EQ(parse_protocol("-p", "TCP"), 6);
	EXPECT_EQ(parse_protocol("-p", "Udp"), 17);
	EXPECT_EQ(parse_protocol("-p", "icmp"), 1);
	EXPECT_EQ(parse_protocol("-p", "icmp6"), 58);
	EXPECT_EQ(parse_protocol("-p", "ICMPv6"), 58);
	EXPECT_EQ(parse_protocol("-p", "sctp"), 132);
	EXPECT_EQ(parse_protocol("-p", "udplite"), 136);
	EXPECT_EQ(parse_protocol("-p", "dccp"), 33);
}

TEST(ParseProtocol, Numbers)
{
	EXPECT_EQ(parse_protocol("-p", "0"), 0);
	EXPECT_EQ(parse_protocol("-p", "6"), 6);
	EXPECT_EQ(parse_protocol("-p", "253"), 253);
	EXPECT_EQ(parse_protocol("-p", "255"), 255);
}

TEST(ParseProtocol, Errors)
{
	EXPECT_EQ(usage_error_of([] { parse_protocol("-p", "tpc"); }),
		  "-p: unknown protocol 'tpc' (expected one of tcp, udp, icmp, icmp6, "
		  "icmpv6, sctp, udplite, dccp, or a number 0-255)");
	EXPECT_EQ(usage_error_of([] { parse_protocol("-p", "256"); }),
		  "-p: protocol number 256 is out of range (0-255)");
	EXPECT_EQ(usage_error_of([] { parse_protocol("-p", ""); }),
		  "-p: empty value, expected a protocol name or number");
	for (const char *text : {"-1", " tcp", "tcp ", "tcp6", "6x", "0x6"})
		EXPECT_THROW(parse_protocol("-p", text), UsageError) << text;
}

TEST(Protocols, WhichHavePorts)
{
	for (int p : {6, 17, 33, 132, 136})
		EXPECT_TRUE(protocol_has_ports(static_cast<std::uint8_t>(p))) << p;
	for (int p : {0, 1, 2, 41, 47, 50, 51, 58, 253, 255})
		EXPECT_FALSE(protocol_has_ports(static_cast<std::uint8_t>(p))) << p;
}

TEST(Protocols, Names)
{
	EXPECT_EQ(protocol_name(6), "tcp");
	EXPECT_EQ(protocol_name(58), "icmp6");
	EXPECT_EQ(protocol_name(253), "253");
	// Every name printed parses back to the same number.
	for (int p = 0; p < 256; ++p)
		EXPECT_EQ(parse_protocol("-p", protocol_name(static_cast<std::uint8_t>(p))), p);
}

// --- describe ---------------------------------------------------------------

TEST(Describe, Empty)
{
	nt_filter f{};
	EXPECT_EQ(describe(f), "all packets");
}

TEST(Describe, Everything)
{
	nt_filter f{};
	f.family = NT_AF_INET;
	f.has_proto = 1;
	f.proto = 6;
	f.saddr = {1, {parse_network("-s", "10.1.2.3/8")}};
	f.daddr = {1, {parse_network("-d", "192.168.0.1")}};
	f.sport = {1, {parse_port_range("-S", "1024-2048")}};
	f.dport = {1, {parse_port_range("-D", "80")}};
	f.ifindex = 3;
	f.netns_ino = 4026531840u;
	EXPECT_EQ(describe(f), "ipv4, proto tcp, src 10.0.0.0/8, dst 192.168.0.1/32, "
			       "src port 1024-2048, dst port 80, ifindex 3, netns 4026531840");
}

TEST(Describe, EitherAddressAndPort)
{
	nt_filter f{};
	f.family = NT_AF_INET6;
	f.either_addr = {1, {parse_network("-N", "fd00::1/64")}};
	f.either_port = {1, {parse_port_range("-P", "0-65535")}};
	EXPECT_EQ(describe(f), "ipv6, src or dst fd00::/64, src or dst port 0-65535");
}

TEST(Describe, SeveralValuesOfAnOption)
{
	nt_filter f{};
	f.either_addr = {2, {parse_network("-N", "10.0.0.0/8"), parse_network("-N", "fd00::/64")}};
	f.dport = {3,
		   {parse_port_range("-D", "80"), parse_port_range("-D", "443"),
		    parse_port_range("-D", "8000-8080")}};
	EXPECT_EQ(describe(f),
		  "src or dst 10.0.0.0/8 or fd00::/64, dst port 80 or 443 or 8000-8080");
}

TEST(Describe, ProtocolWithoutName)
{
	nt_filter f{};
	f.has_proto = 1;
	f.proto = 0;
	EXPECT_EQ(describe(f), "proto 0");
}

TEST(QuotedValue, EscapesWhatWouldBreakALine)
{
	EXPECT_EQ(quoted_value("abc"), "'abc'");
	EXPECT_EQ(quoted_value(std::string("a\nb\0c", 5)), "'a\\x0ab\\x00c'");
	EXPECT_EQ(quoted_value("\xff"), "'\\xff'");
	EXPECT_EQ(quoted_value("a\\b"), "'a\\x5cb'");
}

// --- network namespaces -----------------------------------------------------

TEST(ParseNetns, DecimalInode)
{
	EXPECT_EQ(parse_netns("--netns", "4026531840"), 4026531840u);
	EXPECT_EQ(parse_netns("--netns", "1"), 1u);
	EXPECT_EQ(parse_netns("--netns", "4294967295"), 4294967295u);
}

TEST(ParseNetns, LinkForm)
{
	EXPECT_EQ(parse_netns("--netns", "net:[4026531840]"), 4026531840u);
	EXPECT_EQ(usage_error_of([] { parse_netns("--netns", "mnt:[4026531841]"); }),
		  "--netns: 'mnt:[4026531841]' names a 'mnt' namespace, not a network namespace");
	EXPECT_EQ(usage_error_of([] { parse_netns("--netns", "net:[x]"); }),
		  "--netns: 'net:[x]' does not hold an inode number");
}

TEST(ParseNetns, NumberErrors)
{
	EXPECT_EQ(usage_error_of([] { parse_netns("--netns", "0"); }),
		  "--netns: '0' is not a namespace inode number (0 is never used)");
	EXPECT_EQ(usage_error_of([] { parse_netns("--netns", "4294967296"); }),
		  "--netns: inode number '4294967296' is out of range (1-4294967295)");
	EXPECT_EQ(usage_error_of([] { parse_netns("--netns", ""); }),
		  "--netns: empty value, expected an inode number, a path like "
		  "/proc/PID/ns/net or a name in /run/netns");
}

TEST(ParseNetns, OwnNamespaceByPath)
{
	struct stat st {};
	ASSERT_EQ(stat("/proc/self/ns/net", &st), 0);
	EXPECT_EQ(parse_netns("--netns", "/proc/self/ns/net"),
		  static_cast<std::uint32_t>(st.st_ino));
	EXPECT_EQ(parse_netns("--netns", "/proc/" + std::to_string(getpid()) + "/ns/net"),
		  static_cast<std::uint32_t>(st.st_ino));
	EXPECT_EQ(current_netns_inode(), static_cast<std::uint32_t>(st.st_ino));
}

TEST(ParseNetns, MissingPath)
{
	EXPECT_EQ(usage_error_of([] { parse_netns("--netns", "/nonexistent"); }),
		  "--netns: '/nonexistent': No such file or directory");
	EXPECT_EQ(usage_error_of([] { parse_netns("--netns", "nttest-no-such-name"); }),
		  "--netns: 'nttest-no-such-name' ('/run/netns/nttest-no-such-name'): "
		  "No such file or directory");
	// The name is printed escaped in both places.
	EXPECT_EQ(usage_error_of([] { parse_netns("--netns", "a\nb"); }),
		  "--netns: 'a\\x0ab' ('/run/netns/a\\x0ab'): No such file or directory");
}

TEST(ParseNetns, NotANamespaceFile)
{
	EXPECT_EQ(usage_error_of([] { parse_netns("--netns", "/proc/self/status"); }),
		  "--netns: '/proc/self/status' is not a namespace file (expected "
		  "/proc/PID/ns/net, /run/netns/NAME or an inode number)");
}

TEST(ParseNetns, OtherNamespaceKind)
{
	// Opening another kind of namespace file needs no privileges.
	EXPECT_EQ(usage_error_of([] { parse_netns("--netns", "/proc/self/ns/uts"); }),
		  "--netns: '/proc/self/ns/uts' is a uts namespace, not a network namespace");
}

} // namespace
} // namespace nettrace
