// SPDX-License-Identifier: MIT
#include <nettrace/common/cli/filter.hpp>
#include <nettrace/common/cli/filter_options.hpp>
#include <nettrace/common/cli/netns.hpp>
#include <nettrace/errors.hpp>

#include <boost/program_options/value_semantic.hpp>
#include <fmt/format.h>

namespace nettrace {

namespace po = boost::program_options;

namespace {

// The spelling error messages use for each option: the short form, which
// is what help and examples show.
constexpr const char *kSaddr = "-s";
constexpr const char *kDaddr = "-d";
constexpr const char *kAddr = "-N";
constexpr const char *kSport = "-S";
constexpr const char *kDport = "-D";
constexpr const char *kPort = "-P";
constexpr const char *kProto = "-p";
constexpr const char *kNetns = "--netns";

struct GivenNetwork {
	const char *option;
	const std::string *text;
	const nt_net *net;
};

const char *family_name(std::uint8_t family)
{
	return family == NT_AF_INET ? "IPv4" : "IPv6";
}

std::optional<std::string> string_option(const po::variables_map &vm, const char *name)
{
	auto it = vm.find(name);
	if (it == vm.end() || it->second.empty())
		return std::nullopt;
	return it->second.as<std::string>();
}

bool switch_option(const po::variables_map &vm, const char *name)
{
	auto it = vm.find(name);
	return it != vm.end() && !it->second.empty() && it->second.as<bool>();
}

} // namespace

void add_filter_options(po::options_description &desc, FilterOption which)
{
	auto add = desc.add_options();
	if (has_all(which, FilterOption::saddr))
		add("saddr,s", po::value<std::string>()->value_name("NET"),
		    "only packets from this address or network "
		    "(10.0.0.1, 10.0.0.0/8, fd00::/64)");
	if (has_all(which, FilterOption::daddr))
		add("daddr,d", po::value<std::string>()->value_name("NET"),
		    "only packets to this address or network");
	if (has_all(which, FilterOption::addr))
		add("addr,N", po::value<std::string>()->value_name("NET"),
		    "only packets from or to this address or network");
	if (has_all(which, FilterOption::sport))
		add("sport,S", po::value<std::string>()->value_name("PORT"),
		    "only packets from this port or range (80, 8000-8080)");
	if (has_all(which, FilterOption::dport))
		add("dport,D", po::value<std::string>()->value_name("PORT"),
		    "only packets to this port or range");
	if (has_all(which, FilterOption::port))
		add("port,P", po::value<std::string>()->value_name("PORT"),
		    "only packets from or to this port or range");
	if (has_all(which, FilterOption::proto))
		add("proto,p", po::value<std::string>()->value_name("PROTO"),
		    "only this L4 protocol: tcp, udp, icmp, icmp6, sctp, "
		    "udplite, dccp or a number");
	if (has_all(which, FilterOption::family)) {
		add("ipv4,4", po::bool_switch(), "only IPv4 packets");
		add("ipv6,6", po::bool_switch(), "only IPv6 packets");
	}
	if (has_all(which, FilterOption::netns))
		add("netns", po::value<std::string>()->value_name("NS"),
		    "only this network namespace: inode number, "
		    "/proc/PID/ns/net or a name in /run/netns");
}

FilterOptions filter_options_from(const po::variables_map &vm)
{
	FilterOptions options;
	options.saddr = string_option(vm, "saddr");
	options.daddr = string_option(vm, "daddr");
	options.addr = string_option(vm, "addr");
	options.sport = string_option(vm, "sport");
	options.dport = string_option(vm, "dport");
	options.port = string_option(vm, "port");
	options.proto = string_option(vm, "proto");
	options.netns = string_option(vm, "netns");
	options.ipv4 = switch_option(vm, "ipv4");
	options.ipv6 = switch_option(vm, "ipv6");
	return options;
}

nt_filter build_filter(const FilterOptions &options)
{
	// Contradictory flags first: they are wrong whatever the values say.
	if (options.ipv4 && options.ipv6)
		throw UsageError("-4 and -6 cannot be used together "
				 "(give neither to see both families)");
	if (options.addr && (options.saddr || options.daddr))
		throw UsageError(
			fmt::format("-N cannot be combined with {}: -N already matches the "
				    "source or the destination address",
				    options.saddr ? kSaddr : kDaddr));
	if (options.port && (options.sport || options.dport))
		throw UsageError(
			fmt::format("-P cannot be combined with {}: -P already matches the "
				    "source or the destination port",
				    options.sport ? kSport : kDport));

	nt_filter filter{};
	if (options.ipv4)
		filter.family = NT_AF_INET;
	else if (options.ipv6)
		filter.family = NT_AF_INET6;

	if (options.saddr)
		filter.saddr = parse_network(kSaddr, *options.saddr);
	if (options.daddr)
		filter.daddr = parse_network(kDaddr, *options.daddr);
	if (options.addr)
		filter.either_addr = parse_network(kAddr, *options.addr);
	if (options.sport)
		filter.sport = parse_port_range(kSport, *options.sport);
	if (options.dport)
		filter.dport = parse_port_range(kDport, *options.dport);
	if (options.port)
		filter.either_port = parse_port_range(kPort, *options.port);
	if (options.proto) {
		filter.has_proto = 1;
		filter.proto = parse_protocol(kProto, *options.proto);
	}
	if (options.netns)
		filter.netns_ino = parse_live_netns(kNetns, *options.netns);

	// A packet has one family: every address given, and -4/-6, must agree
	// on it, or the filter could never match anything.
	const GivenNetwork networks[] = {
		{kSaddr, options.saddr ? &*options.saddr : nullptr, &filter.saddr},
		{kDaddr, options.daddr ? &*options.daddr : nullptr, &filter.daddr},
		{kAddr, options.addr ? &*options.addr : nullptr, &filter.either_addr},
	};
	const char *family_source = options.ipv4 ? "-4" : options.ipv6 ? "-6" : nullptr;
	std::uint8_t family = filter.family;
	for (const GivenNetwork &n : networks) {
		if (!n.text)
			continue;
		if (!family) {
			family = n.net->family;
			family_source = n.option;
			continue;
		}
		if (n.net->family == family)
			continue;
		if (filter.family)
			throw UsageError(fmt::format("{}: {} is {}, but {} selects {} packets only",
						     n.option, quoted_value(*n.text),
						     family_name(n.net->family), family_source,
						     family_name(family)));
		throw UsageError(fmt::format("{}: {} is {}, but {} is {}: no packet has both",
					     n.option, quoted_value(*n.text),
					     family_name(n.net->family), family_source,
					     family_name(family)));
	}

	if (filter.has_proto) {
		const char *port_option = options.sport   ? kSport
					  : options.dport ? kDport
					  : options.port  ? kPort
							  : nullptr;
		if (port_option && !protocol_has_ports(filter.proto))
			throw UsageError(fmt::format("{} {} has no ports, so {} can never match",
						     kProto, protocol_name(filter.proto),
						     port_option));
		if (filter.proto == kProtoIcmp && family == NT_AF_INET6)
			throw UsageError(
				fmt::format("{} icmp is ICMP for IPv4, but {} selects IPv6 "
					    "(use {} icmp6)",
					    kProto, family_source, kProto));
		if (filter.proto == kProtoIcmpv6 && family == NT_AF_INET)
			throw UsageError(
				fmt::format("{} icmp6 is ICMP for IPv6, but {} selects IPv4 "
					    "(use {} icmp)",
					    kProto, family_source, kProto));
	}
	return filter;
}

} // namespace nettrace
