// SPDX-License-Identifier: MIT
// libFuzzer target for the filter parsers. The first byte picks what the
// rest of the input drives (its value modulo 6, so the digits '0'..'5'
// make readable seeds):
//
//   0 parse_network     3 parse_netns (names only, never paths)
//   1 parse_port_range  4 build_filter from '\n'-separated fields
//   2 parse_protocol    5 a whole command line, '\0'-separated arguments
//
// Parsers may refuse input only with UsageError, whose message must be one
// non-empty line; anything they accept must hold the invariants the BPF
// side relies on (masked addresses, prefix in range, lo <= hi, ...) and
// print back to text that parses to the same value.
#include <nettrace/common/cli/filter.hpp>
#include <nettrace/common/cli/filter_options.hpp>
#include <nettrace/common/cli/netns.hpp>
#include <nettrace/errors.hpp>

#include <boost/program_options.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace nettrace;

[[noreturn]] void invariant_failed(const char *what, const char *file, int line)
{
	std::fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
	std::abort();
}

#define FUZZ_CHECK(cond)                                             \
	do {                                                         \
		if (!(cond))                                         \
			invariant_failed(#cond, __FILE__, __LINE__); \
	} while (0)

void check_message(const UsageError &e)
{
	const std::string_view msg = e.what();
	FUZZ_CHECK(!msg.empty());
	FUZZ_CHECK(msg.find('\n') == std::string_view::npos);
	FUZZ_CHECK(msg.find('\0') == std::string_view::npos);
	FUZZ_CHECK(e.exit_code() == NETTRACE_EXIT_USAGE);
}

void check_network(const nt_net &net)
{
	FUZZ_CHECK(net.family == NT_AF_INET || net.family == NT_AF_INET6);
	const unsigned max_prefix = net.family == NT_AF_INET ? 32 : 128;
	FUZZ_CHECK(net.prefix_len <= max_prefix);
	FUZZ_CHECK(net.pad[0] == 0 && net.pad[1] == 0);
	// Every bit past the prefix is clear, IPv4's unused bytes included.
	for (unsigned bit = net.prefix_len; bit < 128; ++bit)
		FUZZ_CHECK(!(net.addr[bit / 8] & (0x80 >> (bit % 8))));

	// Printing and parsing again gives the same bytes.
	const nt_net again = parse_network("-s", format_network(net));
	FUZZ_CHECK(std::memcmp(&again, &net, sizeof(net)) == 0);
}

void check_port_range(const nt_port_range &range)
{
	FUZZ_CHECK(range.enabled == 1);
	FUZZ_CHECK(range.lo <= range.hi);
	FUZZ_CHECK(range.pad[0] == 0 && range.pad[1] == 0 && range.pad[2] == 0);
	const nt_port_range again = parse_port_range("-P", format_port_range(range));
	FUZZ_CHECK(std::memcmp(&again, &range, sizeof(range)) == 0);
}

void check_protocol(std::uint8_t proto)
{
	FUZZ_CHECK(parse_protocol("-p", protocol_name(proto)) == proto);
}

void check_filter(const nt_filter &f)
{
	FUZZ_CHECK(f.family == 0 || f.family == NT_AF_INET || f.family == NT_AF_INET6);
	FUZZ_CHECK(f.has_proto == 0 || f.has_proto == 1);
	if (!f.has_proto)
		FUZZ_CHECK(f.proto == 0);
	FUZZ_CHECK(f.has_expression == 0);

	// Each option's values are valid, and what follows them is zero.
	const nt_nets *const address_options[] = {&f.saddr, &f.daddr, &f.either_addr};
	unsigned families[3] = {};
	for (int k = 0; k < 3; ++k) {
		const nt_nets &nets = *address_options[k];
		FUZZ_CHECK(nets.count <= NT_FILTER_NETS);
		for (std::uint32_t i = 0; i < NT_FILTER_NETS; ++i) {
			if (i >= nets.count) {
				nt_net unset{};
				FUZZ_CHECK(std::memcmp(&nets.net[i], &unset, sizeof(unset)) == 0);
				continue;
			}
			check_network(nets.net[i]);
			families[k] |= 1u << (nets.net[i].family == NT_AF_INET6);
			if (f.family)
				FUZZ_CHECK(nets.net[i].family == f.family);
		}
	}
	// Every address can match: its family is one each other option has.
	for (int k = 0; k < 3; ++k)
		for (int j = 0; j < 3; ++j)
			if (families[k] && families[j])
				FUZZ_CHECK((families[k] & families[j]) == families[k]);
	bool any_port = false;
	for (const nt_ports *ports : {&f.sport, &f.dport, &f.either_port}) {
		FUZZ_CHECK(ports->count <= NT_FILTER_PORTS);
		for (std::uint32_t i = 0; i < NT_FILTER_PORTS; ++i) {
			if (i >= ports->count) {
				nt_port_range unset{};
				FUZZ_CHECK(std::memcmp(&ports->range[i], &unset, sizeof(unset)) ==
					   0);
				continue;
			}
			any_port = true;
			check_port_range(ports->range[i]);
		}
	}
	FUZZ_CHECK(!(f.either_addr.count && (f.saddr.count || f.daddr.count)));
	FUZZ_CHECK(!(f.either_port.count && (f.sport.count || f.dport.count)));
	FUZZ_CHECK(f.ifindex == 0);
	if (f.has_proto && any_port)
		FUZZ_CHECK(protocol_has_ports(f.proto));

	const std::string text = describe(f);
	FUZZ_CHECK(!text.empty());
	FUZZ_CHECK(text.find('\n') == std::string::npos);
}

std::vector<std::string_view> split(std::string_view text, char sep)
{
	std::vector<std::string_view> parts;
	for (;;) {
		const size_t at = text.find(sep);
		parts.push_back(text.substr(0, at));
		if (at == std::string_view::npos)
			return parts;
		text.remove_prefix(at + 1);
	}
}

// A namespace name from fuzz input never reaches the file system as a
// path: opening arbitrary files (devices) can have side effects.
bool safe_netns_text(std::string_view text)
{
	return text.find('/') == std::string_view::npos;
}

// Layout: one byte saying which of the eight fields are present, one byte
// for -4 (bit 0) and -6 (bit 1), then the fields separated by '\n' in the
// order saddr, daddr, addr, sport, dport, port, proto, netns; the address
// and port fields hold their values separated by ','.
void fuzz_fields(std::string_view input)
{
	if (input.size() < 2)
		return;
	const unsigned present = static_cast<unsigned char>(input[0]);
	const unsigned flags = static_cast<unsigned char>(input[1]);
	const std::vector<std::string_view> fields = split(input.substr(2), '\n');

	FilterOptions options;
	std::vector<std::string> *lists[] = {
		&options.saddr, &options.daddr, &options.addr,
		&options.sport, &options.dport, &options.port,
	};
	std::optional<std::string> *slots[] = {&options.proto, &options.netns};
	// A list field holds its values separated by ',' (one value when none).
	for (size_t i = 0; i < 6 && i < fields.size(); ++i)
		if (present & (1u << i))
			for (std::string_view value : split(fields[i], ','))
				lists[i]->emplace_back(value);
	for (size_t i = 6; i < 8 && i < fields.size(); ++i)
		if (present & (1u << i))
			*slots[i - 6] = std::string(fields[i]);
	if (options.netns && !safe_netns_text(*options.netns))
		return;
	options.ipv4 = flags & 1;
	options.ipv6 = flags & 2;

	try {
		const nt_filter f = build_filter(options);
		check_filter(f);
		FUZZ_CHECK(!(options.ipv4 && options.ipv6));
		FUZZ_CHECK(options.addr.empty() ||
			   (options.saddr.empty() && options.daddr.empty()));
		FUZZ_CHECK(options.port.empty() ||
			   (options.sport.empty() && options.dport.empty()));
		FUZZ_CHECK(f.family == (options.ipv4   ? NT_AF_INET
					: options.ipv6 ? NT_AF_INET6
						       : 0));
	} catch (const UsageError &e) {
		check_message(e);
	}
}

void fuzz_command_line(std::string_view input)
{
	namespace po = boost::program_options;
	std::vector<std::string> args;
	for (std::string_view arg : split(input, '\0'))
		args.emplace_back(arg);
	if (args.size() > 64)
		return;
	std::vector<const char *> argv{"fuzz"};
	for (const std::string &a : args)
		argv.push_back(a.c_str());

	po::options_description desc;
	add_filter_options(desc, FilterOption::all);
	po::variables_map vm;
	try {
		po::store(po::parse_command_line(static_cast<int>(argv.size()), argv.data(), desc),
			  vm);
	} catch (const po::error &) {
		return; // Boost's own complaint about the command line
	}
	const FilterOptions options = filter_options_from(vm);
	// --interface asks the kernel, and enters namespaces: not fuzzed.
	if ((options.netns && !safe_netns_text(*options.netns)) || options.interface)
		return;
	try {
		check_filter(build_filter(options));
	} catch (const UsageError &e) {
		check_message(e);
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const std::string_view text(reinterpret_cast<const char *>(data) + 1, size - 1);
	try {
		switch (data[0] % 6) {
		case 0:
			check_network(parse_network("-s", text));
			break;
		case 1:
			check_port_range(parse_port_range("-P", text));
			break;
		case 2:
			check_protocol(parse_protocol("-p", text));
			break;
		case 3:
			if (safe_netns_text(text))
				FUZZ_CHECK(parse_netns("--netns", text) != 0);
			break;
		case 4:
			fuzz_fields(text);
			break;
		case 5:
			fuzz_command_line(text);
			break;
		}
	} catch (const UsageError &e) {
		check_message(e);
	}
	return 0;
}
