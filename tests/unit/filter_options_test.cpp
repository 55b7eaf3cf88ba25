// SPDX-License-Identifier: MIT
// The shared filter options: what each plugin offers, how the parsed
// command line becomes an nt_filter, and which combinations are refused.
#include <nettrace/common/cli/filter.hpp>
#include <nettrace/common/cli/filter_options.hpp>
#include <nettrace/common/cli/netns.hpp>
#include <nettrace/errors.hpp>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <net/if.h>

#include <functional>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace nettrace {
namespace {

namespace po = boost::program_options;

std::string usage_error_of(const std::function<void()> &fn)
{
	try {
		fn();
	} catch (const UsageError &e) {
		return e.what();
	} catch (const std::exception &e) {
		ADD_FAILURE() << "expected UsageError, got: " << e.what();
		return {};
	}
	ADD_FAILURE() << "expected UsageError, nothing thrown";
	return {};
}

// Parses `args` (without argv[0]) with the options in `which`.
FilterOptions parse_args(FilterOption which, std::vector<std::string> args)
{
	po::options_description desc("Filter");
	add_filter_options(desc, which);
	std::vector<const char *> argv{"plugin"};
	for (const std::string &a : args)
		argv.push_back(a.c_str());
	po::variables_map vm;
	po::store(po::parse_command_line(static_cast<int>(argv.size()), argv.data(), desc), vm);
	return filter_options_from(vm);
}

nt_filter filter_of(std::vector<std::string> args)
{
	return build_filter(parse_args(FilterOption::all, std::move(args)));
}

std::string filter_error_of(std::vector<std::string> args)
{
	return usage_error_of([&] { filter_of(args); });
}

bool all_zero(const void *p, size_t n)
{
	const auto *b = static_cast<const unsigned char *>(p);
	for (size_t i = 0; i < n; ++i)
		if (b[i])
			return false;
	return true;
}

// --- the option sets --------------------------------------------------------

TEST(FilterOptionFlags, Combine)
{
	EXPECT_TRUE(has_all(FilterOption::all, FilterOption::proto));
	EXPECT_TRUE(has_all(FilterOption::addresses, FilterOption::addr));
	EXPECT_FALSE(has_all(FilterOption::addresses, FilterOption::sport));
	EXPECT_TRUE(has_all(FilterOption::ports | FilterOption::netns,
			    FilterOption::dport | FilterOption::netns));
	EXPECT_FALSE(has_all(FilterOption::ports, FilterOption::ports | FilterOption::proto));
	EXPECT_EQ(FilterOption::addresses & FilterOption::ports, FilterOption::none);
}

TEST(AddFilterOptions, AllOptionsHaveShortAndLongNames)
{
	po::options_description desc;
	add_filter_options(desc, FilterOption::all);
	for (const char *name : {"saddr", "daddr", "addr", "sport", "dport", "port", "proto",
				 "ipv4", "ipv6", "netns", "interface"})
		EXPECT_NE(desc.find_nothrow(name, false), nullptr) << name;
	for (const char *name : {"-s", "-d", "-N", "-S", "-D", "-P", "-p", "-4", "-6"})
		EXPECT_NE(desc.find_nothrow(name, false, false, false), nullptr) << name;
	std::ostringstream help;
	help << desc;
	EXPECT_NE(help.str().find("-s [ --saddr ] NET"), std::string::npos) << help.str();
	EXPECT_NE(help.str().find("--netns NS"), std::string::npos) << help.str();
	// No short name: skbstat's -i is its interval.
	EXPECT_NE(help.str().find("  --interface NAME"), std::string::npos) << help.str();
	EXPECT_EQ(desc.find_nothrow("-i", false, false, false), nullptr);
}

TEST(AddFilterOptions, OnlyTheRequestedOnes)
{
	// A tool without -p (tcpdrop: TCP only) but with -4/-6.
	const FilterOption tcpdrop = FilterOption::addresses | FilterOption::ports |
				     FilterOption::family | FilterOption::netns;
	po::options_description desc;
	add_filter_options(desc, tcpdrop);
	EXPECT_EQ(desc.find_nothrow("proto", false), nullptr);
	EXPECT_NE(desc.find_nothrow("ipv4", false), nullptr);
	EXPECT_THROW(parse_args(tcpdrop, {"-p", "udp"}), po::error);

	po::options_description none;
	add_filter_options(none, FilterOption::none);
	EXPECT_TRUE(none.options().empty());

	// A tool with -p but without -4/-6.
	const FilterOption proto_only = FilterOption::proto;
	EXPECT_THROW(parse_args(proto_only, {"-4"}), po::error);
	FilterOptions o = parse_args(proto_only, {"-p", "udp"});
	EXPECT_EQ(o.proto, "udp");
	EXPECT_FALSE(o.ipv4);
}

TEST(FilterOptionsFrom, ShortAndLongForms)
{
	FilterOptions o =
		parse_args(FilterOption::all, {"-s", "10.0.0.1", "--daddr", "10.0.0.2", "-S", "1",
					       "--dport=2", "-p", "tcp", "-4", "--netns", "123"});
	using List = std::vector<std::string>;
	EXPECT_EQ(o.saddr, List{"10.0.0.1"});
	EXPECT_EQ(o.daddr, List{"10.0.0.2"});
	EXPECT_TRUE(o.addr.empty());
	EXPECT_EQ(o.sport, List{"1"});
	EXPECT_EQ(o.dport, List{"2"});
	EXPECT_TRUE(o.port.empty());
	EXPECT_EQ(o.proto, "tcp");
	EXPECT_EQ(o.netns, "123");
	EXPECT_TRUE(o.ipv4);
	EXPECT_FALSE(o.ipv6);

	FilterOptions o2 =
		parse_args(FilterOption::all, {"--addr", "fd00::1", "--port", "80", "--ipv6"});
	EXPECT_EQ(o2.addr, List{"fd00::1"});
	EXPECT_EQ(o2.port, List{"80"});
	EXPECT_TRUE(o2.ipv6);
	EXPECT_TRUE(o2.saddr.empty());
}

TEST(FilterOptionsFrom, EmptyValueIsGivenNotUnset)
{
	FilterOptions o = parse_args(FilterOption::all, {"-s", ""});
	ASSERT_EQ(o.saddr.size(), 1u);
	EXPECT_EQ(o.saddr[0], "");
	EXPECT_EQ(usage_error_of([&] { build_filter(o); }),
		  "-s: empty value, expected an IPv4 or IPv6 address or network");
}

TEST(FilterOptionsFrom, NothingGiven)
{
	FilterOptions o = parse_args(FilterOption::all, {});
	EXPECT_TRUE(o.saddr.empty() && o.daddr.empty() && o.addr.empty() && o.sport.empty() &&
		    o.dport.empty() && o.port.empty());
	EXPECT_FALSE(o.proto || o.netns || o.interface);
	EXPECT_FALSE(o.ipv4 || o.ipv6);
}

TEST(FilterOptionsFrom, AddressesAndPortsRepeatInOrder)
{
	using List = std::vector<std::string>;
	FilterOptions o =
		parse_args(FilterOption::all, {"-s", "10.0.0.1", "--saddr", "fd00::1", "-P", "80",
					       "--port=443", "-P", "8000-8080"});
	EXPECT_EQ(o.saddr, (List{"10.0.0.1", "fd00::1"}));
	EXPECT_EQ(o.port, (List{"80", "443", "8000-8080"}));
}

TEST(FilterOptionsFrom, OneValueOptionsStillRefuseRepeats)
{
	for (const char *option : {"-p", "--netns", "--interface"})
		EXPECT_THROW(parse_args(FilterOption::all, {option, "a", option, "b"}), po::error)
			<< option;
}

// --- build_filter -----------------------------------------------------------

TEST(BuildFilter, NothingSetIsAllZero)
{
	nt_filter f = build_filter(FilterOptions{});
	EXPECT_TRUE(all_zero(&f, sizeof(f)));
	EXPECT_EQ(describe(f), "all packets");
}

TEST(BuildFilter, EveryFieldLandsWhereTheBpfSideLooks)
{
	nt_filter f =
		filter_of({"-s", "10.1.2.3/8", "-d", "192.168.1.1", "-S", "1000-2000", "-D", "80",
			   "-p", "tcp", "-4", "--netns", std::to_string(current_netns_inode())});
	EXPECT_EQ(f.family, NT_AF_INET);
	EXPECT_EQ(f.has_proto, 1);
	EXPECT_EQ(f.proto, 6);
	EXPECT_EQ(f.netns_ino, current_netns_inode());
	ASSERT_EQ(f.saddr.count, 1u);
	EXPECT_EQ(f.saddr.net[0].family, NT_AF_INET);
	EXPECT_EQ(f.saddr.net[0].prefix_len, 8);
	EXPECT_EQ(f.saddr.net[0].addr[0], 10);
	EXPECT_EQ(f.saddr.net[0].addr[1], 0);
	EXPECT_EQ(f.saddr.net[0].mask[0], 0xff);
	EXPECT_EQ(f.saddr.net[0].mask[1], 0);
	ASSERT_EQ(f.daddr.count, 1u);
	EXPECT_EQ(f.daddr.net[0].addr[0], 192);
	EXPECT_EQ(f.daddr.net[0].addr[3], 1);
	EXPECT_EQ(f.daddr.net[0].prefix_len, 32);
	EXPECT_EQ(f.either_addr.count, 0u);
	ASSERT_EQ(f.sport.count, 1u);
	EXPECT_EQ(f.sport.range[0].lo, 1000);
	EXPECT_EQ(f.sport.range[0].hi, 2000);
	ASSERT_EQ(f.dport.count, 1u);
	EXPECT_EQ(f.dport.range[0].lo, 80);
	EXPECT_EQ(f.dport.range[0].hi, 80);
	EXPECT_EQ(f.either_port.count, 0u);
	EXPECT_EQ(f.ifindex, 0u);
	EXPECT_EQ(f.has_expression, 0);
}

TEST(BuildFilter, RepeatedValuesFillTheListsInOrder)
{
	nt_filter f = filter_of({"-N", "10.250.0.0/24", "-N", "fd00:250::/64", "-D", "80", "-D",
				 "443", "-D", "8000-8080"});
	ASSERT_EQ(f.either_addr.count, 2u);
	EXPECT_EQ(f.either_addr.net[0].family, NT_AF_INET);
	EXPECT_EQ(f.either_addr.net[1].family, NT_AF_INET6);
	EXPECT_EQ(f.either_addr.net[1].prefix_len, 64);
	ASSERT_EQ(f.dport.count, 3u);
	EXPECT_EQ(f.dport.range[1].lo, 443);
	EXPECT_EQ(f.dport.range[2].hi, 8080);
	EXPECT_TRUE(all_zero(&f.dport.range[3], sizeof(f.dport.range[3]) * (NT_FILTER_PORTS - 3)));
	EXPECT_EQ(describe(f), "src or dst 10.250.0.0/24 or fd00:250::/64, "
			       "dst port 80 or 443 or 8000-8080");
}

TEST(BuildFilter, TooManyValues)
{
	std::vector<std::string> args;
	for (int i = 0; i <= NT_FILTER_PORTS; ++i)
		args.insert(args.end(), {"-P", std::to_string(1000 + i)});
	EXPECT_EQ(filter_error_of(args),
		  fmt::format("-P: at most {} ports or ranges can be given, not {}",
			      NT_FILTER_PORTS, NT_FILTER_PORTS + 1));
	args.clear();
	for (int i = 0; i <= NT_FILTER_NETS; ++i)
		args.insert(args.end(), {"-d", fmt::format("10.0.0.{}", i)});
	EXPECT_EQ(filter_error_of(args), fmt::format("-d: at most {} networks can be given, not {}",
						     NT_FILTER_NETS, NT_FILTER_NETS + 1));
	args.pop_back();
	args.pop_back();
	EXPECT_NO_THROW(filter_of(args));
}

TEST(BuildFilter, EitherAddressAndPort)
{
	nt_filter f = filter_of({"-N", "fd00::/64", "-P", "8000-8080", "-6"});
	EXPECT_EQ(f.family, NT_AF_INET6);
	ASSERT_EQ(f.either_addr.count, 1u);
	EXPECT_EQ(f.either_addr.net[0].family, NT_AF_INET6);
	EXPECT_EQ(f.either_addr.net[0].prefix_len, 64);
	EXPECT_EQ(f.either_addr.net[0].addr[0], 0xfd);
	ASSERT_EQ(f.either_port.count, 1u);
	EXPECT_EQ(f.either_port.range[0].lo, 8000);
	EXPECT_EQ(f.either_port.range[0].hi, 8080);
	EXPECT_EQ(f.saddr.count, 0u);
	EXPECT_EQ(f.sport.count, 0u);
	EXPECT_EQ(f.dport.count, 0u);
}

TEST(BuildFilter, AddressesDoNotSetTheFamilyFlag)
{
	// The family of -s already restricts the match on the BPF side; the
	// family field stays what -4/-6 said.
	nt_filter f = filter_of({"-s", "10.0.0.0/8"});
	EXPECT_EQ(f.family, 0);
}

TEST(BuildFilter, ProtocolZeroIsAFilter)
{
	nt_filter f = filter_of({"-p", "0"});
	EXPECT_EQ(f.has_proto, 1);
	EXPECT_EQ(f.proto, 0);
}

TEST(BuildFilter, NetnsByPath)
{
	struct stat st {};
	ASSERT_EQ(stat("/proc/self/ns/net", &st), 0);
	nt_filter f = filter_of({"--netns", "/proc/self/ns/net"});
	EXPECT_EQ(f.netns_ino, static_cast<std::uint32_t>(st.st_ino));
	EXPECT_EQ(filter_error_of({"--netns", "/nonexistent"}),
		  "--netns: '/nonexistent': No such file or directory");
}

TEST(BuildFilter, NetnsNumberNoNamespaceHasIsRefused)
{
	const std::string own = std::to_string(current_netns_inode());
	EXPECT_EQ(filter_of({"--netns", own}).netns_ino, current_netns_inode());
	EXPECT_EQ(filter_of({"--netns", "net:[" + own + "]"}).netns_ino, current_netns_inode());
	// No kernel gives a namespace a number this low.
	EXPECT_EQ(filter_error_of({"--netns", "12345"}),
		  "--netns: no network namespace has inode '12345' (see 'lsns -t net')");
	EXPECT_EQ(filter_error_of({"--netns", "4026527743"}),
		  "--netns: no network namespace has inode '4026527743' (see 'lsns -t net')");
	EXPECT_EQ(filter_error_of({"--netns", "net:[12345]"}),
		  "--netns: no network namespace has inode 'net:[12345]' (see 'lsns -t net')");
}

TEST(BuildFilter, ValueErrorsNameTheOption)
{
	EXPECT_EQ(filter_error_of({"-s", "10.0.0.300"}),
		  "-s: '10.0.0.300' is not an IPv4 or IPv6 address");
	EXPECT_EQ(filter_error_of({"--daddr", "10.0.0.0/33"}),
		  "-d: prefix length 33 is out of range for IPv4 (0-32) in '10.0.0.0/33'");
	EXPECT_EQ(filter_error_of({"-N", "x"}), "-N: 'x' is not an IPv4 or IPv6 address");
	EXPECT_EQ(filter_error_of({"-P", "70000"}), "-P: port 70000 is out of range (0-65535)");
	EXPECT_EQ(filter_error_of({"-P", "90-80"}), "-P: port range '90-80' is reversed (90 > 80)");
	EXPECT_EQ(filter_error_of({"-S", "80x"}),
		  "-S: '80x' is not a port or port range (expected e.g. 80 or 8000-8080)");
	EXPECT_EQ(filter_error_of({"-D", "-5"}),
		  "-D: '-5' is not a port or port range (expected e.g. 80 or 8000-8080)");
	EXPECT_EQ(filter_error_of({"-p", "tpc"}),
		  "-p: unknown protocol 'tpc' (expected one of tcp, udp, icmp, icmp6, "
		  "icmpv6, sctp, udplite, dccp, or a number 0-255)");
	EXPECT_EQ(filter_error_of({"--netns", "0"}),
		  "--netns: '0' is not a namespace inode number (0 is never used)");
}

TEST(BuildFilter, FamilyFlagsConflict)
{
	EXPECT_EQ(filter_error_of({"-4", "-6"}),
		  "-4 and -6 cannot be used together (give neither to see both families)");
}

TEST(BuildFilter, EitherAddressConflicts)
{
	EXPECT_EQ(filter_error_of({"-N", "10.0.0.1", "-s", "10.0.0.2"}),
		  "-N cannot be combined with -s: -N already matches the source or "
		  "the destination address");
	EXPECT_EQ(filter_error_of({"-N", "10.0.0.1", "-d", "10.0.0.2"}),
		  "-N cannot be combined with -d: -N already matches the source or "
		  "the destination address");
	// Reported even when a value is also wrong: the combination is.
	EXPECT_EQ(filter_error_of({"-N", "junk", "-s", "junk"}),
		  "-N cannot be combined with -s: -N already matches the source or "
		  "the destination address");
}

TEST(BuildFilter, EitherPortConflicts)
{
	EXPECT_EQ(filter_error_of({"-P", "80", "-S", "81"}),
		  "-P cannot be combined with -S: -P already matches the source or "
		  "the destination port");
	EXPECT_EQ(filter_error_of({"-P", "80", "-D", "81"}),
		  "-P cannot be combined with -D: -P already matches the source or "
		  "the destination port");
}

TEST(BuildFilter, AddressFamilyAgainstFamilyFlag)
{
	EXPECT_EQ(filter_error_of({"-6", "-s", "10.0.0.0/8"}),
		  "-s: '10.0.0.0/8' is IPv4, but -6 selects IPv6 packets only");
	EXPECT_EQ(filter_error_of({"-4", "-d", "fd00::1"}),
		  "-d: 'fd00::1' is IPv6, but -4 selects IPv4 packets only");
	EXPECT_EQ(filter_error_of({"-4", "-N", "::/0"}),
		  "-N: '::/0' is IPv6, but -4 selects IPv4 packets only");
	EXPECT_NO_THROW(filter_of({"-4", "-s", "10.0.0.0/8", "-d", "10.0.0.1"}));
	EXPECT_NO_THROW(filter_of({"-6", "-N", "fd00::/8"}));
}

TEST(BuildFilter, AddressesOfDifferentFamilies)
{
	EXPECT_EQ(filter_error_of({"-s", "10.0.0.1", "-d", "fd00::1"}),
		  "-d: 'fd00::1' is IPv6, but -s is IPv4: no packet has both");
	EXPECT_EQ(filter_error_of({"-s", "fd00::1", "-d", "10.0.0.1"}),
		  "-d: '10.0.0.1' is IPv4, but -s is IPv6: no packet has both");
	// Both families in one option: each value needs a partner elsewhere.
	EXPECT_NO_THROW(filter_of({"-N", "10.0.0.0/8", "-N", "fd00::/8"}));
	EXPECT_NO_THROW(
		filter_of({"-s", "10.0.0.1", "-s", "fd00::1", "-d", "10.0.0.2", "-d", "fd00::2"}));
	EXPECT_EQ(filter_error_of({"-s", "10.0.0.1", "-s", "fd00::1", "-d", "fd00::2"}),
		  "-s: '10.0.0.1' is IPv4, but -d is IPv6: no packet has both");
	EXPECT_EQ(filter_error_of({"-d", "fd00::2", "-s", "fd00::1", "-s", "10.0.0.1"}),
		  "-s: '10.0.0.1' is IPv4, but -d is IPv6: no packet has both");
	EXPECT_EQ(filter_error_of({"-4", "-N", "10.0.0.0/8", "-N", "fd00::/8"}),
		  "-N: 'fd00::/8' is IPv6, but -4 selects IPv4 packets only");
}

TEST(BuildFilter, PortsNeedAProtocolWithPorts)
{
	EXPECT_EQ(filter_error_of({"-p", "icmp", "-D", "80"}),
		  "-p icmp has no ports, so -D can never match");
	EXPECT_EQ(filter_error_of({"-p", "253", "-P", "80"}),
		  "-p 253 has no ports, so -P can never match");
	EXPECT_EQ(filter_error_of({"-p", "icmp6", "-S", "1"}),
		  "-p icmp6 has no ports, so -S can never match");
	for (const char *proto : {"tcp", "udp", "sctp", "udplite", "dccp", "136"})
		EXPECT_NO_THROW(filter_of({"-p", proto, "-P", "80"})) << proto;
}

TEST(BuildFilter, IcmpOfTheOtherFamily)
{
	EXPECT_EQ(filter_error_of({"-p", "icmp", "-6"}),
		  "-p icmp is ICMP for IPv4, but -6 selects IPv6 (use -p icmp6)");
	EXPECT_EQ(filter_error_of({"-p", "icmpv6", "-4"}),
		  "-p icmp6 is ICMP for IPv6, but -4 selects IPv4 (use -p icmp)");
	EXPECT_EQ(filter_error_of({"-p", "icmp", "-d", "::1"}),
		  "-p icmp is ICMP for IPv4, but -d selects IPv6 (use -p icmp6)");
	EXPECT_NO_THROW(filter_of({"-p", "icmp", "-4"}));
	EXPECT_NO_THROW(filter_of({"-p", "icmp6", "-N", "fd00::/8"}));
	EXPECT_NO_THROW(filter_of({"-p", "icmp", "-N", "fd00::/8", "-N", "10.0.0.0/8"}));
}

TEST(BuildFilter, InterfaceInOwnNamespace)
{
	struct stat st {};
	ASSERT_EQ(stat("/proc/self/ns/net", &st), 0);
	nt_filter f = filter_of({"--interface", "lo"});
	EXPECT_EQ(f.ifindex, if_nametoindex("lo"));
	// The index is only unique in its namespace: the filter names it.
	EXPECT_EQ(f.netns_ino, static_cast<std::uint32_t>(st.st_ino));
	nt_filter g = filter_of({"--interface", "lo", "--netns", "/proc/self/ns/net"});
	EXPECT_EQ(g.ifindex, f.ifindex);
	EXPECT_EQ(g.netns_ino, f.netns_ino);
}

TEST(BuildFilter, InterfaceErrors)
{
	EXPECT_EQ(filter_error_of({"--interface", "nosuchdev0"}),
		  "--interface: no device 'nosuchdev0' in this network namespace "
		  "(add --netns NS for one in another)");
	EXPECT_EQ(filter_error_of({"--interface", "nosuchdev0", "--netns", "/proc/self/ns/net"}),
		  "--interface: no device 'nosuchdev0' in network namespace "
		  "'/proc/self/ns/net'");
	EXPECT_EQ(filter_error_of({"--interface", ""}),
		  "--interface: empty value, expected a network device name such as eth0");
	EXPECT_EQ(filter_error_of({"--interface", "a-name-of-16-chr"}),
		  "--interface: 'a-name-of-16-chr' is longer than 15 characters, the most a "
		  "device name can have");
	EXPECT_EQ(filter_error_of({"--interface", "eth0/1"}),
		  "--interface: 'eth0/1' is not a valid network device name");
	struct stat st {};
	ASSERT_EQ(stat("/proc/self/ns/net", &st), 0);
	EXPECT_EQ(filter_error_of({"--interface", "lo", "--netns", std::to_string(st.st_ino)}),
		  fmt::format("--interface: a device is looked up in the namespace --netns "
			      "names, which needs a path or a name in /run/netns, not the "
			      "inode number '{}'",
			      st.st_ino));
}

TEST(BuildFilter, ErrorsAreOneLine)
{
	const std::vector<std::vector<std::string>> bad = {{"-s", "10.0.0.300"},
							   {"-P", "70000"},
							   {"-P", "90-80"},
							   {"-p", "tpc"},
							   {"-s", "10.0.0.0/33"},
							   {"-4", "-6"},
							   {"-N", "1.1.1.1", "-s", "1.1.1.1"},
							   {"-P", "1", "-D", "1"},
							   {"-6", "-s", "1.1.1.1"},
							   {"-s", "1\n2"},
							   {"--netns", "/nonexistent"},
							   {"-p", "icmp", "-P", "1"}};
	for (const auto &args : bad) {
		const std::string msg = filter_error_of(args);
		EXPECT_FALSE(msg.empty()) << args[0];
		EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
	}
}

} // namespace
} // namespace nettrace
