// SPDX-License-Identifier: MIT
#include <nettrace/common/cli/filter.hpp>
#include <nettrace/common/cli/filter_options.hpp>
#include <nettrace/common/cli/interface.hpp>
#include <nettrace/common/cli/netns.hpp>
#include <nettrace/errors.hpp>

#include <boost/program_options/value_semantic.hpp>
#include <fmt/format.h>

#include <iterator>

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
constexpr const char *kInterface = "--interface";

// Families as bits, to intersect what the options allow.
constexpr unsigned kIPv4 = 1, kIPv6 = 2, kBothFamilies = kIPv4 | kIPv6;

// One address option as given, its values parsed.
struct GivenNetworks {
	const char *option;
	const std::vector<std::string> *texts;
	nt_nets *nets;
	unsigned families = 0; // of its values; kBothFamilies when not given
};

const char *family_name(std::uint8_t family)
{
	return family == NT_AF_INET ? "IPv4" : "IPv6";
}

unsigned family_bit(std::uint8_t family)
{
	return family == NT_AF_INET ? kIPv4 : kIPv6;
}

std::optional<std::string> string_option(const po::variables_map &vm, const char *name)
{
	auto it = vm.find(name);
	if (it == vm.end() || it->second.empty())
		return std::nullopt;
	return it->second.as<std::string>();
}

std::vector<std::string> list_option(const po::variables_map &vm, const char *name)
{
	auto it = vm.find(name);
	if (it == vm.end() || it->second.empty())
		return {};
	return it->second.as<std::vector<std::string>>();
}

bool switch_option(const po::variables_map &vm, const char *name)
{
	auto it = vm.find(name);
	return it != vm.end() && !it->second.empty() && it->second.as<bool>();
}

void check_value_count(const char *option, std::size_t given, std::size_t most, const char *what)
{
	if (given > most)
		throw UsageError(fmt::format("{}: at most {} {} can be given, not {}", option, most,
					     what, given));
}

void parse_networks(GivenNetworks &given)
{
	check_value_count(given.option, given.texts->size(), NT_FILTER_NETS, "networks");
	given.families = given.texts->empty() ? kBothFamilies : 0;
	for (const std::string &text : *given.texts) {
		nt_net &net = given.nets->net[given.nets->count++];
		net = parse_network(given.option, text);
		given.families |= family_bit(net.family);
	}
}

nt_ports parse_ports(const char *option, const std::vector<std::string> &texts)
{
	check_value_count(option, texts.size(), NT_FILTER_PORTS, "ports or ranges");
	nt_ports ports{};
	for (const std::string &text : texts)
		ports.range[ports.count++] = parse_port_range(option, text);
	return ports;
}

// Every address must be able to match: its family must be one that -4/-6
// and each other address option allow, or no packet could have both. The
// first pass compares each value with -4/-6 and the options before it,
// the second with those after it, so that the option named second on the
// command line is the one blamed when both have one value.
void check_families(const GivenNetworks (&given)[3], unsigned flag_families,
		    const char *flag_option)
{
	for (int pass = 0; pass < 2; ++pass) {
		for (std::size_t k = 0; k < std::size(given); ++k) {
			for (std::size_t v = 0; v < given[k].texts->size(); ++v) {
				const std::uint8_t family = given[k].nets->net[v].family;
				const unsigned bit = family_bit(family);
				const std::string &text = (*given[k].texts)[v];
				if (pass == 0 && !(flag_families & bit))
					throw UsageError(fmt::format(
						"{}: {} is {}, but {} selects {} packets only",
						given[k].option, quoted_value(text),
						family_name(family), flag_option,
						family_name(family == NT_AF_INET ? NT_AF_INET6
										 : NT_AF_INET)));
				for (std::size_t j = 0; j < std::size(given); ++j) {
					const bool compared = pass == 0 ? j < k : j > k;
					if (!compared || given[j].families & bit)
						continue;
					throw UsageError(fmt::format(
						"{}: {} is {}, but {} is {}: no packet has both",
						given[k].option, quoted_value(text),
						family_name(family), given[j].option,
						family_name(family == NT_AF_INET ? NT_AF_INET6
										 : NT_AF_INET)));
				}
			}
		}
	}
}

} // namespace

void add_filter_options(po::options_description &desc, FilterOption which)
{
	using List = std::vector<std::string>;
	auto add = desc.add_options();
	if (has_all(which, FilterOption::saddr))
		add("saddr,s", po::value<List>()->value_name("NET"),
		    "only packets from this address or network "
		    "(10.0.0.1, 10.0.0.0/8, fd00::/64); repeat for more");
	if (has_all(which, FilterOption::daddr))
		add("daddr,d", po::value<List>()->value_name("NET"),
		    "only packets to this address or network");
	if (has_all(which, FilterOption::addr))
		add("addr,N", po::value<List>()->value_name("NET"),
		    "only packets from or to this address or network");
	if (has_all(which, FilterOption::sport))
		add("sport,S", po::value<List>()->value_name("PORT"),
		    "only packets from this port or range (80, 8000-8080); repeat for more");
	if (has_all(which, FilterOption::dport))
		add("dport,D", po::value<List>()->value_name("PORT"),
		    "only packets to this port or range");
	if (has_all(which, FilterOption::port))
		add("port,P", po::value<List>()->value_name("PORT"),
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
	if (has_all(which, FilterOption::interface))
		add("interface", po::value<std::string>()->value_name("NAME"),
		    "only packets on this network device (of the --netns namespace)");
}

FilterOptions filter_options_from(const po::variables_map &vm)
{
	FilterOptions options;
	options.saddr = list_option(vm, "saddr");
	options.daddr = list_option(vm, "daddr");
	options.addr = list_option(vm, "addr");
	options.sport = list_option(vm, "sport");
	options.dport = list_option(vm, "dport");
	options.port = list_option(vm, "port");
	options.proto = string_option(vm, "proto");
	options.netns = string_option(vm, "netns");
	options.interface = string_option(vm, "interface");
	options.ipv4 = switch_option(vm, "ipv4");
	options.ipv6 = switch_option(vm, "ipv6");
	options.expression = list_option(vm, "expression");
	return options;
}

nt_filter build_filter(const FilterOptions &options)
{
	// Contradictory flags first: they are wrong whatever the values say.
	if (options.ipv4 && options.ipv6)
		throw UsageError("-4 and -6 cannot be used together "
				 "(give neither to see both families)");
	if (!options.addr.empty() && (!options.saddr.empty() || !options.daddr.empty()))
		throw UsageError(
			fmt::format("-N cannot be combined with {}: -N already matches the "
				    "source or the destination address",
				    !options.saddr.empty() ? kSaddr : kDaddr));
	if (!options.port.empty() && (!options.sport.empty() || !options.dport.empty()))
		throw UsageError(
			fmt::format("-P cannot be combined with {}: -P already matches the "
				    "source or the destination port",
				    !options.sport.empty() ? kSport : kDport));

	nt_filter filter{};
	if (options.ipv4)
		filter.family = NT_AF_INET;
	else if (options.ipv6)
		filter.family = NT_AF_INET6;

	GivenNetworks networks[] = {
		{kSaddr, &options.saddr, &filter.saddr},
		{kDaddr, &options.daddr, &filter.daddr},
		{kAddr, &options.addr, &filter.either_addr},
	};
	for (GivenNetworks &n : networks)
		parse_networks(n);
	filter.sport = parse_ports(kSport, options.sport);
	filter.dport = parse_ports(kDport, options.dport);
	filter.either_port = parse_ports(kPort, options.port);
	if (options.proto) {
		filter.has_proto = 1;
		filter.proto = parse_protocol(kProto, *options.proto);
	}
	if (options.netns)
		filter.netns_ino = parse_live_netns(kNetns, *options.netns);

	const unsigned flag_families = options.ipv4 ? kIPv4 : options.ipv6 ? kIPv6 : kBothFamilies;
	check_families(networks, flag_families, options.ipv4 ? "-4" : "-6");

	if (filter.has_proto) {
		const char *port_option = !options.sport.empty()   ? kSport
					  : !options.dport.empty() ? kDport
					  : !options.port.empty()  ? kPort
								   : nullptr;
		if (port_option && !protocol_has_ports(filter.proto))
			throw UsageError(fmt::format("{} {} has no ports, so {} can never match",
						     kProto, protocol_name(filter.proto),
						     port_option));
		// The families a packet may have, and the option that narrowed
		// them to one.
		unsigned families = flag_families;
		const char *family_source = options.ipv4 ? "-4" : "-6";
		for (const GivenNetworks &n : networks) {
			if ((families & n.families) != families && families == kBothFamilies)
				family_source = n.option;
			families &= n.families;
		}
		if (filter.proto == kProtoIcmp && families == kIPv6)
			throw UsageError(
				fmt::format("{} icmp is ICMP for IPv4, but {} selects IPv6 "
					    "(use {} icmp6)",
					    kProto, family_source, kProto));
		if (filter.proto == kProtoIcmpv6 && families == kIPv4)
			throw UsageError(
				fmt::format("{} icmp6 is ICMP for IPv6, but {} selects IPv4 "
					    "(use {} icmp)",
					    kProto, family_source, kProto));
	}

	// Last: it is the one check that asks the kernel.
	if (options.interface) {
		const InterfaceInNetns device = resolve_interface(kInterface, *options.interface,
								  options.netns, filter.netns_ino);
		filter.ifindex = device.ifindex;
		filter.netns_ino = device.netns_ino;
	}
	return filter;
}

} // namespace nettrace
