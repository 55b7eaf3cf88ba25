// SPDX-License-Identifier: MIT
// The BPF filter (filter.bpf.h) against real kernel drops.
//
// Every case loads filter_probe with the nt_filter that build_filter() makes
// from a command line, plus the test namespace's inode, and then produces
// the same set of drops inside that namespace: the main scenario (UDP, TCP,
// raw IP and ICMP over lo and a veth), or the one with IPv6 extension
// headers and non-first fragments. The drop classes of a scenario have
// counts 1, 2, 4, ... so the number of matches tells exactly which classes
// the filter let through.
#include "netns.hpp"
#include "requirements.hpp"

#include <nettrace/common/cli/filter.hpp>
#include <nettrace/common/cli/filter_options.hpp>

#include "filter_probe.skel.h"

#include <boost/program_options.hpp>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <vector>

namespace nettrace {
namespace {

using test::TestNetns;

// Addresses of the veth pair between the traced namespace and its peer.
// The veths carry no IPv6: an IPv6 link sends MLD reports, which the
// receiver frees as drops, at times no test controls.
constexpr const char *kTracedV4 = "10.200.0.1";
constexpr const char *kPeerV4 = "10.200.0.2";
// A second IPv6 address on the traced namespace's lo, so that IPv6 source
// and destination differ; lo sends no MLD reports.
constexpr const char *kExtraV6 = "fd00:200::1";

// One kind of drop the test produces. All of them happen in the traced
// namespace: lo traffic stays there, veth traffic comes from the peer.
// Nothing else is dropped there while a case runs: the answers (RSTs, ICMP
// errors) reach their sockets, and nothing else sends.
enum DropClass : unsigned {
	kUdp4Lo80,       // UDP 127.0.0.1:5001 -> 127.0.0.1:80
	kUdp4Lo336,      // UDP 127.0.0.1:5002 -> :336 (0x0150)
	kUdp4Lo20480,    // UDP 127.0.0.1:5003 -> :20480 (0x5000, 80 swapped)
	kTcp4Lo85,       // TCP SYN 127.0.0.1:5004 -> :85
	kUdp4Veth90,     // UDP 10.200.0.2:5005 -> 10.200.0.1:90
	kUdp6Lo80,       // UDP [::1]:5006 -> [::1]:80
	kTcp6Lo8080,     // TCP SYN [::1]:5007 -> [::1]:8080
	kRaw4Proto253,   // IPv4 protocol 253, 127.0.0.1 -> 127.0.0.1, no ports
	kIcmp4EchoReply, // unsolicited ICMP echo reply 127.0.0.1 -> 127.0.0.1
	kUdp6Lo91,       // UDP [fd00:200::1]:5008 -> [::1]:91
	kClassCount
};

constexpr const char *kClassNames[kClassCount] = {
	"udp4-lo-80", "udp4-lo-336",  "udp4-lo-20480", "tcp4-lo-85",      "udp4-veth-90",
	"udp6-lo-80", "tcp6-lo-8080", "raw4-proto253", "icmp4-echoreply", "udp6-lo-91",
};

// How many drops a class produces: distinct powers of two, so every set
// of classes has its own total.
constexpr std::uint64_t drops_of(unsigned cls)
{
	return std::uint64_t{1} << cls;
}

constexpr std::uint64_t kAllClasses = (std::uint64_t{1} << kClassCount) - 1;

template <typename... Classes>
constexpr std::uint64_t classes(Classes... cls)
{
	return ((std::uint64_t{1} << cls) | ... | 0);
}

// Drops with IPv6 extension headers and non-first fragments, in a
// scenario of their own.
enum ExtClass : unsigned {
	kUdp6ExtHeaders81,  // UDP [::1]:5101 -> [::1]:81 behind hop-by-hop
			    // and destination options headers
	kUdp4LaterFragment, // IPv4 UDP fragment at offset 8, 127.0.0.1, sent
			    // twice: the duplicate is dropped
	kUdp6LaterFragment, // the same for IPv6 ::1, after a fragment header
	kUdp4Options82,     // UDP 127.0.0.1:5102 -> 127.0.0.1:82 with IP
			    // options: its UDP header is not right after 20 bytes
	kExtClassCount
};

constexpr const char *kExtClassNames[kExtClassCount] = {
	"udp6-exthdr-81",
	"udp4-later-fragment",
	"udp6-later-fragment",
	"udp4-options-82",
};

// The first bytes of the fragments' payload: what ports 81 -> 81 would
// look like, so that reading ports from a non-first fragment shows.
constexpr unsigned char kFakePorts[8] = {0x00, 0x51, 0x00, 0x51, 0x00, 0x08, 0x00, 0x00};

std::string class_names(std::uint64_t mask, const char *const *names, unsigned count)
{
	std::string out;
	for (unsigned c = 0; c < count; ++c)
		if (mask & drops_of(c))
			out += std::string(out.empty() ? "" : ", ") + names[c];
	if (mask >> count)
		out += std::string(out.empty() ? "" : ", ") + "unexpected extra drops";
	return out.empty() ? "none" : out;
}

class Fd {
public:
	explicit Fd(int fd) : fd_(fd) {}
	~Fd()
	{
		if (fd_ >= 0)
			close(fd_);
	}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	int get() const { return fd_; }

private:
	int fd_;
};

void check(bool ok, const std::string &what)
{
	if (!ok)
		throw std::system_error(errno, std::generic_category(), what);
}

// A sockaddr for `ip` (IPv4 or IPv6 text) and `port`.
struct SockAddr {
	sockaddr_storage storage{};
	socklen_t len = 0;

	SockAddr(const char *ip, std::uint16_t port)
	{
		auto *v4 = reinterpret_cast<sockaddr_in *>(&storage);
		auto *v6 = reinterpret_cast<sockaddr_in6 *>(&storage);
		if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
			v4->sin_family = AF_INET;
			v4->sin_port = htons(port);
			len = sizeof(*v4);
		} else if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
			v6->sin6_family = AF_INET6;
			v6->sin6_port = htons(port);
			len = sizeof(*v6);
		} else {
			throw std::invalid_argument(std::string("bad address ") + ip);
		}
	}
	int family() const { return storage.ss_family; }
	const sockaddr *get() const { return reinterpret_cast<const sockaddr *>(&storage); }
};

// UDP datagrams from src:sport to dst:dport, sent from inside `ns`.
void send_udp(const TestNetns &ns, const char *src, std::uint16_t sport, const char *dst,
	      std::uint16_t dport, unsigned count)
{
	SockAddr from(src, sport), to(dst, dport);
	Fd fd(ns.socket_in(from.family(), SOCK_DGRAM, 0));
	int one = 1;
	setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	check(bind(fd.get(), from.get(), from.len) == 0, "bind udp");
	const char payload[] = "nettrace filter test";
	for (unsigned i = 0; i < count; ++i)
		check(sendto(fd.get(), payload, sizeof(payload), 0, to.get(), to.len) ==
			      static_cast<ssize_t>(sizeof(payload)),
		      "sendto udp");
}

// TCP connection attempts to a closed port: each SYN is dropped and
// answered with a reset, so connect() fails at once with ECONNREFUSED.
void send_tcp_syns(const TestNetns &ns, const char *src, std::uint16_t sport, const char *dst,
		   std::uint16_t dport, unsigned count)
{
	SockAddr from(src, sport), to(dst, dport);
	for (unsigned i = 0; i < count; ++i) {
		Fd fd(ns.socket_in(from.family(), SOCK_STREAM, 0));
		int one = 1;
		setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		// Never wait for a SYN retransmission if something is off.
		timeval timeout{2, 0};
		setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
		check(bind(fd.get(), from.get(), from.len) == 0, "bind tcp");
		int rc = connect(fd.get(), to.get(), to.len);
		if (rc == 0 || errno != ECONNREFUSED)
			throw std::runtime_error(std::string("connect to closed port: ") +
						 (rc == 0 ? "succeeded" : std::strerror(errno)));
	}
}

std::uint16_t inet_checksum(const unsigned char *data, size_t len)
{
	std::uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
	if (len & 1)
		sum += static_cast<std::uint32_t>(data[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(static_cast<std::uint16_t>(~sum));
}

// IPv4 packets with a hand-made header, through an IPPROTO_RAW socket:
// such a socket receives nothing itself, so the packet meets only the
// kernel's handler for `proto` (or the lack of one).
void send_raw_ipv4(const TestNetns &ns, const char *src, const char *dst, std::uint8_t proto,
		   const std::vector<unsigned char> &payload, unsigned count)
{
	Fd fd(ns.socket_in(AF_INET, SOCK_RAW, IPPROTO_RAW));
	std::vector<unsigned char> packet(sizeof(iphdr) + payload.size());
	auto *ip = reinterpret_cast<iphdr *>(packet.data());
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = proto;
	ip->tot_len = htons(static_cast<std::uint16_t>(packet.size()));
	inet_pton(AF_INET, src, &ip->saddr);
	inet_pton(AF_INET, dst, &ip->daddr);
	std::memcpy(packet.data() + sizeof(iphdr), payload.data(), payload.size());
	SockAddr to(dst, 0);
	for (unsigned i = 0; i < count; ++i)
		check(sendto(fd.get(), packet.data(), packet.size(), 0, to.get(), to.len) ==
			      static_cast<ssize_t>(packet.size()),
		      "sendto raw");
}

// UDP datagrams with sticky hop-by-hop and destination options headers,
// each holding one PadN option (all zero, as receivers check).
void send_udp6_with_ext_headers(const TestNetns &ns, std::uint16_t sport, std::uint16_t dport,
				unsigned count)
{
	SockAddr from("::1", sport), to("::1", dport);
	Fd fd(ns.socket_in(AF_INET6, SOCK_DGRAM, 0));
	check(bind(fd.get(), from.get(), from.len) == 0, "bind udp6");
	// next header (the kernel fills it in), length 0 = 8 bytes, PadN of 4
	const unsigned char options[8] = {0, 0, 1, 4, 0, 0, 0, 0};
	check(setsockopt(fd.get(), IPPROTO_IPV6, IPV6_HOPOPTS, options, sizeof(options)) == 0,
	      "IPV6_HOPOPTS");
	check(setsockopt(fd.get(), IPPROTO_IPV6, IPV6_DSTOPTS, options, sizeof(options)) == 0,
	      "IPV6_DSTOPTS");
	const char payload[] = "extension headers";
	for (unsigned i = 0; i < count; ++i)
		check(sendto(fd.get(), payload, sizeof(payload), 0, to.get(), to.len) ==
			      static_cast<ssize_t>(sizeof(payload)),
		      "sendto udp6");
}

// UDP datagrams whose IPv4 header carries options (NOP NOP NOP EOL, one
// more 32-bit word), so the header is 24 bytes long.
void send_udp4_with_options(const TestNetns &ns, std::uint16_t sport, std::uint16_t dport,
			    unsigned count)
{
	SockAddr from("127.0.0.1", sport), to("127.0.0.1", dport);
	Fd fd(ns.socket_in(AF_INET, SOCK_DGRAM, 0));
	check(bind(fd.get(), from.get(), from.len) == 0, "bind udp4");
	const unsigned char options[4] = {1, 1, 1, 0};
	check(setsockopt(fd.get(), IPPROTO_IP, IP_OPTIONS, options, sizeof(options)) == 0,
	      "IP_OPTIONS");
	const char payload[] = "ip options";
	for (unsigned i = 0; i < count; ++i)
		check(sendto(fd.get(), payload, sizeof(payload), 0, to.get(), to.len) ==
			      static_cast<ssize_t>(sizeof(payload)),
		      "sendto udp4 with options");
}

// A fragment identification no earlier case used: a fragment left queued
// by one case must not turn the next case's first send into a duplicate.
std::uint32_t next_fragment_id()
{
	static std::uint32_t id = 0x4e540000;
	return ++id;
}

// Last fragments at offset 8 of a UDP datagram over lo, each sent twice:
// the first waits in the reassembly queue (until the namespace goes), the
// second is dropped on the spot as a duplicate. Only that drop counts: a
// queued fragment's skb->dev is reused by the queue, so its later drop
// has no namespace.
void send_duplicate_ipv4_fragments(const TestNetns &ns, unsigned count)
{
	Fd fd(ns.socket_in(AF_INET, SOCK_RAW, IPPROTO_RAW));
	for (unsigned i = 0; i < count; ++i) {
		unsigned char packet[sizeof(iphdr) + sizeof(kFakePorts)] = {};
		auto *ip = reinterpret_cast<iphdr *>(packet);
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->tot_len = htons(sizeof(packet));
		ip->id = htons(static_cast<std::uint16_t>(next_fragment_id()));
		ip->frag_off = htons(1); // offset 1 * 8 bytes, no more fragments
		inet_pton(AF_INET, "127.0.0.1", &ip->saddr);
		inet_pton(AF_INET, "127.0.0.1", &ip->daddr);
		std::memcpy(packet + sizeof(iphdr), kFakePorts, sizeof(kFakePorts));
		SockAddr to("127.0.0.1", 0);
		for (int copy = 0; copy < 2; ++copy)
			check(sendto(fd.get(), packet, sizeof(packet), 0, to.get(), to.len) ==
				      static_cast<ssize_t>(sizeof(packet)),
			      "sendto ipv4 fragment");
	}
}

void send_duplicate_ipv6_fragments(const TestNetns &ns, unsigned count)
{
	Fd fd(ns.socket_in(AF_INET6, SOCK_RAW, IPPROTO_RAW));
	int one = 1;
	check(setsockopt(fd.get(), IPPROTO_IPV6, IPV6_HDRINCL, &one, sizeof(one)) == 0,
	      "IPV6_HDRINCL");
	for (unsigned i = 0; i < count; ++i) {
		unsigned char packet[40 + 8 + sizeof(kFakePorts)] = {};
		packet[0] = 0x60;                   // version 6
		packet[5] = 8 + sizeof(kFakePorts); // payload length
		packet[6] = 44;                     // next header: fragment
		packet[7] = 64;                     // hop limit
		packet[23] = 1;                     // source ::1
		packet[39] = 1;                     // destination ::1
		packet[40] = IPPROTO_UDP;           // fragment: next header
		packet[43] = 8;                     // offset 1 * 8, no M flag
		const std::uint32_t id = htonl(next_fragment_id());
		std::memcpy(packet + 44, &id, sizeof(id));
		std::memcpy(packet + 48, kFakePorts, sizeof(kFakePorts));
		SockAddr to("::1", 0);
		for (int copy = 0; copy < 2; ++copy)
			check(sendto(fd.get(), packet, sizeof(packet), 0, to.get(), to.len) ==
				      static_cast<ssize_t>(sizeof(packet)),
			      "sendto ipv6 fragment");
	}
}

std::vector<unsigned char> icmp_echo_reply()
{
	std::vector<unsigned char> msg(sizeof(icmphdr) + 8, 0x5a);
	auto *icmp = reinterpret_cast<icmphdr *>(msg.data());
	icmp->type = ICMP_ECHOREPLY;
	icmp->code = 0;
	icmp->checksum = 0;
	icmp->un.echo.id = htons(0x4e54);
	icmp->un.echo.sequence = htons(1);
	icmp->checksum = inet_checksum(msg.data(), msg.size());
	return msg;
}

struct ProbeDeleter {
	void operator()(filter_probe_bpf *p) const { filter_probe_bpf__destroy(p); }
};
using Probe = std::unique_ptr<filter_probe_bpf, ProbeDeleter>;

std::string format_packet(const nt_packet &p)
{
	std::ostringstream out;
	if (!p.family)
		return "non-IP";
	char s[INET6_ADDRSTRLEN] = {}, d[INET6_ADDRSTRLEN] = {};
	const int af = p.family == NT_AF_INET ? AF_INET : AF_INET6;
	inet_ntop(af, p.saddr, s, sizeof(s));
	inet_ntop(af, p.daddr, d, sizeof(d));
	out << protocol_name(p.l4proto) << " " << s;
	if (p.has_ports)
		out << ":" << p.sport;
	out << " -> " << d;
	if (p.has_ports)
		out << ":" << p.dport;
	if (p.l4proto == 6)
		out << " flags 0x" << std::hex << unsigned(p.tcp_flags) << std::dec;
	if (p.fragment)
		out << " fragment";
	return out.str();
}

class FilterBpfTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		NETTRACE_REQUIRE_BPF();
		traced_ = std::make_unique<TestNetns>();
		peer_ = std::make_unique<TestNetns>();
		auto veth = traced_->add_veth(*peer_, {std::string(kTracedV4) + "/24", ""},
					      {std::string(kPeerV4) + "/24", ""});
		traced_veth_ = veth.local_ifname;
		traced_->exec_checked("ip -6 addr add " + std::string(kExtraV6) + "/128 dev lo");
		// Fixed neighbour entries: no ARP or neighbour discovery while
		// counting, and no datagram waits in (or overflows) an
		// unresolved-neighbour queue.
		const std::string traced_mac = mac_of(*traced_, veth.local_ifname);
		const std::string peer_mac = mac_of(*peer_, veth.peer_ifname);
		peer_->exec_checked("ip neigh replace " + std::string(kTracedV4) + " lladdr " +
				    traced_mac + " dev " + veth.peer_ifname + " nud permanent");
		traced_->exec_checked("ip neigh replace " + std::string(kPeerV4) + " lladdr " +
				      peer_mac + " dev " + veth.local_ifname + " nud permanent");
	}

	static std::string mac_of(const TestNetns &ns, const std::string &ifname)
	{
		auto r = ns.exec("cat /sys/class/net/" + ifname + "/address");
		if (r.exit_code != 0 || r.out.size() < 17)
			throw std::runtime_error("no MAC for " + ifname + ": " + r.err);
		return r.out.substr(0, 17);
	}

	// Loads the probe with `filter`, restricted to the traced namespace.
	Probe load(nt_filter filter)
	{
		filter.netns_ino = traced_->inode();
		Probe probe(filter_probe_bpf__open());
		if (!probe)
			throw std::runtime_error("filter_probe_bpf__open: " +
						 std::string(std::strerror(errno)));
		probe->rodata->nettrace_filter = filter;
		if (int err = filter_probe_bpf__load(probe.get()))
			throw std::runtime_error("filter_probe_bpf__load: " +
						 std::string(std::strerror(-err)));
		if (int err = filter_probe_bpf__attach(probe.get()))
			throw std::runtime_error("filter_probe_bpf__attach: " +
						 std::string(std::strerror(-err)));
		return probe;
	}

	// Produces every class of drop once, each as often as drops_of() says.
	void produce_drops()
	{
		const TestNetns &t = *traced_, &p = *peer_;
		send_udp(t, "127.0.0.1", 5001, "127.0.0.1", 80, drops_of(kUdp4Lo80));
		send_udp(t, "127.0.0.1", 5002, "127.0.0.1", 336, drops_of(kUdp4Lo336));
		send_udp(t, "127.0.0.1", 5003, "127.0.0.1", 20480, drops_of(kUdp4Lo20480));
		send_tcp_syns(t, "127.0.0.1", 5004, "127.0.0.1", 85, drops_of(kTcp4Lo85));
		send_udp(p, kPeerV4, 5005, kTracedV4, 90, drops_of(kUdp4Veth90));
		send_udp(t, "::1", 5006, "::1", 80, drops_of(kUdp6Lo80));
		send_tcp_syns(t, "::1", 5007, "::1", 8080, drops_of(kTcp6Lo8080));
		send_raw_ipv4(t, "127.0.0.1", "127.0.0.1", 253,
			      std::vector<unsigned char>(16, 0xab), drops_of(kRaw4Proto253));
		send_raw_ipv4(t, "127.0.0.1", "127.0.0.1", IPPROTO_ICMP, icmp_echo_reply(),
			      drops_of(kIcmp4EchoReply));
		send_udp(t, kExtraV6, 5008, "::1", 91, drops_of(kUdp6Lo91));
	}

	// Waits until the namespace's drop count reaches `total` and then
	// stays put for a moment, bounded: drops on the receive path may be
	// counted a little after send returns.
	static std::uint64_t settle(const filter_probe_bpf &probe, std::uint64_t total)
	{
		using clock = std::chrono::steady_clock;
		const auto deadline = clock::now() + std::chrono::seconds(5);
		std::uint64_t last = ~std::uint64_t{0};
		auto stable_since = clock::now();
		for (;;) {
			const std::uint64_t now =
				__atomic_load_n(&probe.bss->in_netns, __ATOMIC_RELAXED);
			if (now != last) {
				last = now;
				stable_since = clock::now();
			}
			const auto quiet = clock::now() - stable_since;
			if (now >= total && quiet > std::chrono::milliseconds(100))
				return now;
			if (clock::now() > deadline)
				return now;
			std::this_thread::sleep_for(std::chrono::milliseconds(10));
		}
	}

	static std::string recent_packets(const filter_probe_bpf &probe)
	{
		const std::uint64_t n = probe.bss->recent_count;
		const std::uint64_t slots =
			sizeof(probe.bss->recent) / sizeof(probe.bss->recent[0]);
		std::string out;
		const std::uint64_t first = n > slots ? n - slots : 0;
		for (std::uint64_t i = first; i < n; ++i) {
			const std::uint64_t slot = i % slots;
			out += "  " + format_packet(probe.bss->recent[slot]) +
			       (probe.bss->recent_matched[slot] ? "  [matched]" : "") + "\n";
		}
		return out;
	}

	void produce_ext_header_drops()
	{
		const TestNetns &t = *traced_;
		send_udp6_with_ext_headers(t, 5101, 81, drops_of(kUdp6ExtHeaders81));
		send_duplicate_ipv4_fragments(t, drops_of(kUdp4LaterFragment));
		send_duplicate_ipv6_fragments(t, drops_of(kUdp6LaterFragment));
		send_udp4_with_options(t, 5102, 82, drops_of(kUdp4Options82));
	}

	// Runs one case of the main scenario: the filter from `args`, the
	// drops, and the check that exactly the classes in `expected` matched.
	void expect_matches(const std::vector<std::string> &args, std::uint64_t expected)
	{
		expect_matches_in([this] { produce_drops(); }, kClassNames, kClassCount, args,
				  expected);
	}

	void expect_ext_matches(const std::vector<std::string> &args, std::uint64_t expected)
	{
		expect_matches_in([this] { produce_ext_header_drops(); }, kExtClassNames,
				  kExtClassCount, args, expected);
	}

	void expect_matches_in(const std::function<void()> &produce, const char *const *names,
			       unsigned class_count, const std::vector<std::string> &args,
			       std::uint64_t expected)
	{
		const std::uint64_t all = (std::uint64_t{1} << class_count) - 1;
		std::string cmdline;
		for (const std::string &a : args)
			cmdline += (cmdline.empty() ? "" : " ") + a;
		SCOPED_TRACE("filter: " + cmdline);

		namespace po = boost::program_options;
		po::options_description desc;
		add_filter_options(desc, FilterOption::all);
		std::vector<const char *> argv{"test"};
		for (const std::string &a : args)
			argv.push_back(a.c_str());
		po::variables_map vm;
		po::store(po::parse_command_line(static_cast<int>(argv.size()), argv.data(), desc),
			  vm);
		const nt_filter filter = build_filter(filter_options_from(vm));

		Probe probe = load(filter);
		produce();
		const std::uint64_t in_netns = settle(*probe, all);
		filter_probe_bpf__detach(probe.get());
		const std::uint64_t matched = probe->bss->matched;

		EXPECT_EQ(in_netns, all) << "drops seen in the test namespace; recent ones:\n"
					 << recent_packets(*probe);
		EXPECT_EQ(matched, expected)
			<< "filter " << describe(filter)
			<< "\nmatched: " << class_names(matched, names, class_count)
			<< "\nexpected: " << class_names(expected, names, class_count)
			<< "\nrecent drops:\n"
			<< recent_packets(*probe);
	}

	std::unique_ptr<TestNetns> traced_;
	std::unique_ptr<TestNetns> peer_;
	std::string traced_veth_; // the traced namespace's end of the veth pair
};

constexpr std::uint64_t kIpv4 = classes(kUdp4Lo80, kUdp4Lo336, kUdp4Lo20480, kTcp4Lo85, kUdp4Veth90,
					kRaw4Proto253, kIcmp4EchoReply);
constexpr std::uint64_t kIpv6 = classes(kUdp6Lo80, kTcp6Lo8080, kUdp6Lo91);
constexpr std::uint64_t kWithPorts = kAllClasses & ~classes(kRaw4Proto253, kIcmp4EchoReply);
constexpr std::uint64_t kLoopback4 = kIpv4 & ~classes(kUdp4Veth90);

TEST_F(FilterBpfTest, NoFilterCountsEveryDropInTheNamespace)
{
	expect_matches({}, kAllClasses);
}

TEST_F(FilterBpfTest, OtherNamespaceSeesNothing)
{
	// The same drops, but the probe watches the peer namespace: none of
	// them happen there.
	Probe probe = [&] {
		nt_filter filter{};
		filter.netns_ino = peer_->inode();
		Probe p(filter_probe_bpf__open());
		EXPECT_TRUE(p);
		p->rodata->nettrace_filter = filter;
		EXPECT_EQ(filter_probe_bpf__load(p.get()), 0);
		EXPECT_EQ(filter_probe_bpf__attach(p.get()), 0);
		return p;
	}();
	produce_drops();
	std::this_thread::sleep_for(std::chrono::milliseconds(200));
	filter_probe_bpf__detach(probe.get());
	EXPECT_EQ(probe->bss->in_netns, 0u) << recent_packets(*probe);
	EXPECT_EQ(probe->bss->matched, 0u);
}

TEST_F(FilterBpfTest, SourceAddressIpv4)
{
	expect_matches({"-s", "127.0.0.0/8"}, kLoopback4);
	expect_matches({"-s", "127.0.0.1"}, kLoopback4);
	expect_matches({"-s", "127.0.0.2"}, 0);
	expect_matches({"-s", "10.200.0.0/16"}, classes(kUdp4Veth90));
	expect_matches({"-s", "10.200.0.1"}, 0);
	expect_matches({"-s", "0.0.0.0/0"}, kIpv4);
}

TEST_F(FilterBpfTest, DestinationAddressIpv4)
{
	expect_matches({"-d", "10.200.0.1"}, classes(kUdp4Veth90));
	expect_matches({"-d", "10.200.0.2"}, 0);
	expect_matches({"-d", "127.255.255.255/8"}, kLoopback4);
	expect_matches({"-d", "192.168.0.0/16"}, 0);
}

TEST_F(FilterBpfTest, EitherAddressIpv4)
{
	expect_matches({"-N", "10.200.0.1"}, classes(kUdp4Veth90));
	expect_matches({"-N", "10.200.0.2"}, classes(kUdp4Veth90));
	expect_matches({"-N", "10.200.0.3"}, 0);
	expect_matches({"-N", "10.200.0.0/30"}, classes(kUdp4Veth90));
}

TEST_F(FilterBpfTest, AddressesIpv6)
{
	expect_matches({"-s", "::1"}, classes(kUdp6Lo80, kTcp6Lo8080));
	expect_matches({"-d", "::1/128"}, kIpv6);
	expect_matches({"-s", "::2"}, 0);
	expect_matches({"-s", "::/64"}, classes(kUdp6Lo80, kTcp6Lo8080));
	expect_matches({"-s", "fd00:200::/64"}, classes(kUdp6Lo91));
	expect_matches({"-s", "fd00:200::1:0/112"}, 0);
	expect_matches({"-s", "fd00:201::/64"}, 0);
	expect_matches({"-d", kExtraV6}, 0);
	expect_matches({"-d", "fd00::/8"}, 0);
	expect_matches({"-N", kExtraV6}, classes(kUdp6Lo91));
	expect_matches({"-N", "fd00::/8"}, classes(kUdp6Lo91));
	expect_matches({"-N", "::1"}, kIpv6);
	// ::/0 is every IPv6 address and no IPv4 one.
	expect_matches({"-s", "::/0"}, kIpv6);
	// Neither is an IPv4-mapped address an IPv4 packet.
	expect_matches({"-s", "::ffff:127.0.0.1"}, 0);
}

TEST_F(FilterBpfTest, DestinationPorts)
{
	expect_matches({"-D", "80"}, classes(kUdp4Lo80, kUdp6Lo80));
	// Wire bytes 50 00: read without conversion this would look like 80.
	expect_matches({"-D", "20480"}, classes(kUdp4Lo20480));
	expect_matches({"-D", "336"}, classes(kUdp4Lo336));
	expect_matches({"-D", "85"}, classes(kTcp4Lo85));
	expect_matches({"-D", "8080"}, classes(kTcp6Lo8080));
	expect_matches({"-D", "81"}, 0);
}

TEST_F(FilterBpfTest, SourcePorts)
{
	expect_matches({"-S", "5004"}, classes(kTcp4Lo85));
	expect_matches({"-S", "5000-5003"}, classes(kUdp4Lo80, kUdp4Lo336, kUdp4Lo20480));
	expect_matches({"-S", "5005-5008"},
		       classes(kUdp4Veth90, kUdp6Lo80, kTcp6Lo8080, kUdp6Lo91));
	expect_matches({"-S", "80"}, 0);
}

TEST_F(FilterBpfTest, PortRangesKeepByteOrder)
{
	// 336 is 0x0150: with ports compared in network order, 80-90
	// (0x5000-0x5a00) would contain it.
	expect_matches({"-P", "80-90"}, classes(kUdp4Lo80, kTcp4Lo85, kUdp4Veth90, kUdp6Lo80));
	expect_matches({"-D", "80-90"}, classes(kUdp4Lo80, kTcp4Lo85, kUdp4Veth90, kUdp6Lo80));
	expect_matches({"-P", "91-400"}, classes(kUdp4Lo336, kUdp6Lo91));
	expect_matches({"-P", "20000-30000"}, classes(kUdp4Lo20480));
}

TEST_F(FilterBpfTest, EitherPort)
{
	expect_matches({"-P", "5005"}, classes(kUdp4Veth90));
	expect_matches({"-P", "91"}, classes(kUdp6Lo91));
	expect_matches({"-P", "8080"}, classes(kTcp6Lo8080));
}

TEST_F(FilterBpfTest, PortFilterExcludesPacketsWithoutPorts)
{
	expect_matches({"-P", "0-65535"}, kWithPorts);
	expect_matches({"-S", "0-65535"}, kWithPorts);
	expect_matches({"-D", "0"}, 0);
}

TEST_F(FilterBpfTest, Protocols)
{
	expect_matches({"-p", "tcp"}, classes(kTcp4Lo85, kTcp6Lo8080));
	expect_matches({"-p", "udp"}, classes(kUdp4Lo80, kUdp4Lo336, kUdp4Lo20480, kUdp4Veth90,
					      kUdp6Lo80, kUdp6Lo91));
	expect_matches({"-p", "icmp"}, classes(kIcmp4EchoReply));
	expect_matches({"-p", "253"}, classes(kRaw4Proto253));
	expect_matches({"-p", "icmp6"}, 0);
	expect_matches({"-p", "sctp"}, 0);
}

TEST_F(FilterBpfTest, Families)
{
	expect_matches({"-4"}, kIpv4);
	expect_matches({"-6"}, kIpv6);
	expect_matches({"-4", "-D", "80"}, classes(kUdp4Lo80));
	expect_matches({"-6", "-D", "80"}, classes(kUdp6Lo80));
}

TEST_F(FilterBpfTest, Combinations)
{
	expect_matches({"-p", "udp", "-s", "127.0.0.1", "-D", "80-400"},
		       classes(kUdp4Lo80, kUdp4Lo336));
	expect_matches({"-p", "tcp", "-6", "-S", "5007", "-D", "8080"}, classes(kTcp6Lo8080));
	expect_matches({"-p", "tcp", "-6", "-S", "5007", "-D", "8081"}, 0);
	expect_matches({"-p", "udp", "-N", "10.200.0.0/24", "-P", "90"}, classes(kUdp4Veth90));
	expect_matches({"-p", "icmp", "-d", "127.0.0.1"}, classes(kIcmp4EchoReply));
}

TEST_F(FilterBpfTest, RepeatedPortsMatchAnyOfThem)
{
	expect_matches({"-D", "80", "-D", "85"}, classes(kUdp4Lo80, kUdp6Lo80, kTcp4Lo85));
	expect_matches({"-P", "5005", "-P", "91", "-P", "8080"},
		       classes(kUdp4Veth90, kUdp6Lo91, kTcp6Lo8080));
	expect_matches({"-S", "5001", "-S", "5003-5004"},
		       classes(kUdp4Lo80, kUdp4Lo20480, kTcp4Lo85));
	// As many as the filter holds, the last one the only match: every
	// slot is compared.
	expect_matches({"-D", "1", "-D", "2", "-D", "3", "-D", "4", "-D", "5", "-D", "6", "-D", "7",
			"-D", "336"},
		       classes(kUdp4Lo336));
	expect_matches({"-D", "81", "-D", "82"}, 0);
}

TEST_F(FilterBpfTest, RepeatedAddressesOfBothFamilies)
{
	expect_matches({"-N", "10.200.0.0/24", "-N", "fd00:200::/64"},
		       classes(kUdp4Veth90, kUdp6Lo91));
	expect_matches({"-s", "127.0.0.1", "-s", "::1"},
		       kLoopback4 | classes(kUdp6Lo80, kTcp6Lo8080));
	expect_matches({"-s", "10.200.0.2", "-s", "fd00:200::1", "-s", "10.9.9.9", "-s",
			"fd00:200::1:0/112"},
		       classes(kUdp4Veth90, kUdp6Lo91));
	expect_matches({"-d", "10.200.0.1", "-d", "fd00::/8"}, classes(kUdp4Veth90));
}

TEST_F(FilterBpfTest, OptionsOfDifferentKindsMustAllMatch)
{
	expect_matches({"-N", "10.200.0.0/24", "-N", "fd00:200::/64", "-P", "90", "-P", "91"},
		       classes(kUdp4Veth90, kUdp6Lo91));
	expect_matches({"-N", "10.200.0.0/24", "-N", "fd00:200::/64", "-P", "90"},
		       classes(kUdp4Veth90));
	expect_matches({"-s", "127.0.0.1", "-s", "::1", "-D", "80", "-D", "8080", "-p", "tcp"},
		       classes(kTcp6Lo8080));
	expect_matches({"-4", "-D", "80", "-D", "8080"}, classes(kUdp4Lo80));
}

TEST_F(FilterBpfTest, InterfaceMatchesOnlyItsDevice)
{
	const std::string ns = traced_->path();
	expect_matches({"--interface", "lo", "--netns", ns}, kAllClasses & ~classes(kUdp4Veth90));
	expect_matches({"--interface", traced_veth_, "--netns", ns}, classes(kUdp4Veth90));
	expect_matches({"--interface", traced_veth_, "--netns", ns, "-D", "80"}, 0);
}

constexpr std::uint64_t kExtAll = (std::uint64_t{1} << kExtClassCount) - 1;

TEST_F(FilterBpfTest, Ipv6ExtensionHeadersAreSkipped)
{
	expect_ext_matches({}, kExtAll);
	expect_ext_matches({"-D", "81"}, classes(kUdp6ExtHeaders81));
	expect_ext_matches({"-S", "5101"}, classes(kUdp6ExtHeaders81));
	expect_ext_matches({"-6", "-P", "81"}, classes(kUdp6ExtHeaders81));
	// Headers that were walked past are not the packet's protocol.
	expect_ext_matches({"-p", "0"}, 0);
	expect_ext_matches({"-p", "60"}, 0);
	expect_ext_matches({"-p", "44"}, 0);
}

TEST_F(FilterBpfTest, Ipv4OptionsAreSkipped)
{
	expect_ext_matches({"-D", "82"}, classes(kUdp4Options82));
	expect_ext_matches({"-S", "5102"}, classes(kUdp4Options82));
	expect_ext_matches({"-4", "-P", "82"}, classes(kUdp4Options82));
	// What the options would read as if taken for the UDP header: 257 -> 256.
	expect_ext_matches({"-P", "256-257"}, 0);
}

TEST_F(FilterBpfTest, LaterFragmentsHaveAProtocolButNoPorts)
{
	// Their payload starts with bytes that would read as ports 81 -> 81.
	expect_ext_matches({"-P", "0-65535"}, classes(kUdp6ExtHeaders81, kUdp4Options82));
	expect_ext_matches({"-p", "udp"}, kExtAll);
	expect_ext_matches({"-4", "-p", "udp"}, classes(kUdp4LaterFragment, kUdp4Options82));
	expect_ext_matches({"-6", "-p", "udp"}, classes(kUdp6ExtHeaders81, kUdp6LaterFragment));
	expect_ext_matches({"-s", "127.0.0.1", "-d", "127.0.0.1"},
			   classes(kUdp4LaterFragment, kUdp4Options82));
	expect_ext_matches({"-N", "::1"}, classes(kUdp6ExtHeaders81, kUdp6LaterFragment));
}

} // namespace
} // namespace nettrace
