// SPDX-License-Identifier: MIT
// The packet filter options every plugin shares, on top of
// Boost.Program_options:
//
//   FilterOptions raw;
//   po::options_description desc("Filter");
//   add_filter_options(desc, FilterOption::addresses | FilterOption::ports |
//                            FilterOption::family | FilterOption::netns);
//   po::store(po::parse_command_line(argc, argv, desc), vm);
//   nt_filter filter = build_filter(filter_options_from(vm));
//
// Values stay raw strings until build_filter(), which parses them and
// rejects combinations that contradict each other or can never match, each
// with one line naming the options involved. The address and port options
// may be repeated (-P 80 -P 443): a packet matches any of an option's
// values, and every option given.
#pragma once

#include <nettrace/filter_spec.h>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/positional_options.hpp>
#include <boost/program_options/variables_map.hpp>

#include <optional>
#include <string>
#include <vector>

namespace nettrace {

// Which filter options a plugin offers; combine with |.
enum class FilterOption : unsigned {
	none = 0,
	saddr = 1u << 0,     // -s, --saddr
	daddr = 1u << 1,     // -d, --daddr
	addr = 1u << 2,      // -N, --addr (source or destination)
	sport = 1u << 3,     // -S, --sport
	dport = 1u << 4,     // -D, --dport
	port = 1u << 5,      // -P, --port (source or destination)
	proto = 1u << 6,     // -p, --proto
	family = 1u << 7,    // -4, --ipv4 and -6, --ipv6
	netns = 1u << 8,     // --netns
	interface = 1u << 9, // --interface (no short name: -i is an interval)

	addresses = saddr | daddr | addr,
	ports = sport | dport | port,
	all = addresses | ports | proto | family | netns | interface,
};

constexpr FilterOption operator|(FilterOption a, FilterOption b)
{
	return static_cast<FilterOption>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}

constexpr FilterOption operator&(FilterOption a, FilterOption b)
{
	return static_cast<FilterOption>(static_cast<unsigned>(a) & static_cast<unsigned>(b));
}

// True when every option in `wanted` is in `set`.
constexpr bool has_all(FilterOption set, FilterOption wanted)
{
	return (set & wanted) == wanted;
}

// The options as given, in command-line order. An empty list or an unset
// optional means "not on the command line", which differs from an empty
// value (`-s ''` is an error).
struct FilterOptions {
	std::vector<std::string> saddr;
	std::vector<std::string> daddr;
	std::vector<std::string> addr;
	std::vector<std::string> sport;
	std::vector<std::string> dport;
	std::vector<std::string> port;
	std::optional<std::string> proto;
	std::optional<std::string> netns;
	std::optional<std::string> interface;
	bool ipv4 = false;
	bool ipv6 = false;
	// The trailing words of a pcap-filter(7) expression, as tcpdump takes
	// them (command_line.hpp's parse_command_line_with_expression); empty when none was given. The tool
	// room compiles them (tool/packet_filter.hpp): build_filter() leaves
	// them alone.
	std::vector<std::string> expression;
};

// Adds the options in `which` to `desc`, with their help text.
void add_filter_options(boost::program_options::options_description &desc, FilterOption which);

// Reads the filter options from a parsed command line. Options that were
// never added or not given stay unset. Needs no po::notify().
FilterOptions filter_options_from(const boost::program_options::variables_map &vm);

// Parses and cross-checks the options. Throws UsageError for a bad value,
// for more values of one option than the filter holds (NT_FILTER_NETS,
// NT_FILTER_PORTS), for -4 with -6, -N with -s or -d, -P with -S or -D, for
// an address no packet could match together with the other address
// options or -4/-6 (each value must share a family with every other
// option given), for ports together with a protocol that has none, and
// for icmp/icmp6 with the other family. --interface is looked up in the
// --netns namespace, or nettrace's own, and sets netns_ino to it
// (resolve_interface() says what it throws).
nt_filter build_filter(const FilterOptions &options);

} // namespace nettrace
