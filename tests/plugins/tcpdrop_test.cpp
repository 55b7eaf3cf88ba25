// SPDX-License-Identifier: MIT
// nettrace tcpdrop against real drops: packets sent inside namespaces this
// test makes, the real binary's output parsed.
#include "cache_directory.hpp"
#include "netns.hpp"
#include "process.hpp"
#include "reason_list_check.hpp"
#include "requirements.hpp"
#include "tcpdrop_run.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include "clone_drop.skel.h"

#include <kernel/drop_reasons/sources.hpp>
#include <nettrace/common/kernel/btf.hpp>
#include <nettrace/common/kernel/drop_reasons.hpp>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <net/if.h>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace nettrace::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// One drop as the text output shows it: the line, then its frames.
struct TextDrop {
	std::string line;
	std::vector<std::string> frames;
};

std::vector<TextDrop> parse_text(const std::string &out)
{
	std::vector<TextDrop> drops;
	std::istringstream in(out);
	std::string l;
	std::getline(in, l); // header
	while (std::getline(in, l)) {
		if (l.empty())
			continue;
		if (l.rfind("    ", 0) == 0 && !drops.empty())
			drops.back().frames.push_back(l.substr(4));
		else
			drops.push_back({l, {}});
	}
	return drops;
}

#define REQUIRE_DROP_REASONS()                                                           \
	do {                                                                             \
		if (!kernel_passes_drop_reasons())                                       \
			GTEST_SKIP() << "kfree_skb passes no drop reason (before 5.17)"; \
	} while (0)

std::uint32_t reason_code(const char *name)
{
	static const nettrace::DropReasons reasons = nettrace::drop_reasons::load();
	auto code = reasons.code(name);
	EXPECT_TRUE(code) << name;
	return code.value_or(0);
}

const auto parse_json = parse_json_lines;

// A drop line's REASON (CODE): "- (-)" where the kernel passes no reason.
std::string reason_text(const char *name)
{
	if (!kernel_passes_drop_reasons())
		return "- (-)";
	return std::string(name) + " (" + std::to_string(reason_code(name)) + ")";
}

// A --json stream split by record type ("drop" or "lost").
struct JsonStream {
	std::vector<json> drops;
	std::vector<json> lost;
	std::uint64_t lost_events = 0; // what the lost records add up to
	std::vector<json> other;       // of no known type: none expected
};

JsonStream split_stream(const std::string &out)
{
	JsonStream stream;
	for (json &record : parse_json(out)) {
		const std::string type = record.value("type", "");
		if (type == "drop") {
			stream.drops.push_back(std::move(record));
		} else if (type == "lost") {
			stream.lost_events += record.value("events", std::uint64_t{0});
			stream.lost.push_back(std::move(record));
		} else {
			stream.other.push_back(std::move(record));
		}
	}
	return stream;
}

// The total standard error's last loss line gives, 0 without one.
std::uint64_t lost_in_total(const std::string &err)
{
	const std::regex lost_line(R"(nettrace tcpdrop: (\d+) events lost in total)");
	std::smatch m;
	return std::regex_search(err, m, lost_line) ? std::stoull(m[1]) : 0;
}

std::set<int> dports_of(const std::vector<json> &events)
{
	std::set<int> ports;
	for (const auto &e : events)
		ports.insert(e["dport"].get<int>());
	return ports;
}

// A command line and the destination ports of the drops it must show.
struct DportCase {
	std::vector<std::string> args;
	std::set<int> dports;
};

// For each case: tcpdrop with its args in `ns`, the same `traffic`, and
// exactly one event per expected port.
void expect_dports_per_case(const TestNetns &ns, const std::vector<DportCase> &cases,
			    const std::function<void()> &traffic)
{
	for (const DportCase &c : cases) {
		auto args = c.args;
		args.insert(args.end(), {"--netns", ns.path()});
		TcpdropRun run(args, true);
		traffic();
		const auto events = parse_json(run.stop().out);
		EXPECT_EQ(events.size(), c.dports.size()) << ::testing::PrintToString(c.args);
		EXPECT_EQ(dports_of(events), c.dports) << ::testing::PrintToString(c.args);
	}
}

} // namespace

class TcpdropTest : public ::testing::Test {
protected:
	void SetUp() override { NETTRACE_REQUIRE_BPF(); }
};

// The one text drop `run` printed: its line after TIME and PID, and frames.
std::pair<std::string, std::vector<std::string>> only_drop(const ProcessResult &r)
{
	EXPECT_EQ(r.exit_code, 0) << r.err;
	auto drops = parse_text(r.out);
	EXPECT_EQ(drops.size(), 1u) << r.out;
	if (drops.size() != 1)
		return {};
	const std::regex line(R"(\d\d:\d\d:\d\d \d+ +(.*))");
	std::smatch m;
	EXPECT_TRUE(std::regex_match(drops[0].line, m, line)) << drops[0].line;
	return {m[1].str(), drops[0].frames};
}

TEST_F(TcpdropTest, SynToClosedPortIPv4AndIPv6)
{
	const std::string no_socket = " - (SYN) " + reason_text("NO_SOCKET");
	const struct {
		const char *addr;
		std::string shown; // as the output writes the address
		std::string first_frame;
	} cases[] = {
		{"127.0.0.1", "4 127.0.0.1", "tcp_v4_rcv+0x"},
		{"::1", "6 [::1]", "tcp_v6_rcv+0x"},
	};
	for (const auto &c : cases) {
		TestNetns ns;
		TcpdropRun run({"--netns", ns.path(), "-c", "1"});
		const auto sport = tcp_connect_once(ns, c.addr, c.addr, 7001);
		ProcessResult r = run.finish();
		EXPECT_EQ(r.out.substr(0, r.out.find('\n')),
			  "TIME     PID     IP SADDR:SPORT          > DADDR:DPORT          "
			  "STATE (FLAGS) REASON (CODE)");
		const auto [line, frames] = only_drop(r);
		const std::string addr = c.shown.substr(2);
		// Padded to 20 as bcc's tcpdrop does, so that columns line up.
		EXPECT_EQ(line, fmt::format("{}  {:<20} > {:<20}{}", c.shown.substr(0, 1),
					    addr + ":" + std::to_string(sport), addr + ":7001",
					    no_socket));
		ASSERT_FALSE(frames.empty()) << c.addr;
		EXPECT_EQ(frames[0].rfind(c.first_frame, 0), 0u) << frames[0];
		for (const auto &f : frames)
			EXPECT_EQ(f.find("traceiter"), std::string::npos) << f;
	}
}

TEST_F(TcpdropTest, SynAckDroppedByNftablesInSynSent)
{
	TestNetns server, client;
	server.add_veth(client, {"10.200.1.1/24", ""}, {"10.200.1.2/24", ""});
	// The server listens; the client's firewall drops what answers it.
	const int listener = server.socket_in(AF_INET, SOCK_STREAM);
	sockaddr_in addr{};
	addr.sin_family = AF_INET;
	addr.sin_port = htons(7100);
	inet_pton(AF_INET, "10.200.1.1", &addr.sin_addr);
	ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)), 0);
	ASSERT_EQ(listen(listener, 8), 0);
	drop_input_with_nft(client, "tcp sport 7100 tcp flags syn,ack");

	TcpdropRun run({"--netns", client.path(), "-c", "1"});
	const auto sport = tcp_connect_once(client, "10.200.1.2", "10.200.1.1", 7100, 0, false);
	const auto [line, frames] = only_drop(run.finish());
	EXPECT_EQ(line, fmt::format("4  {:<20} > {:<20} SYN_SENT (SYN|ACK) {}", "10.200.1.1:7100",
				    "10.200.1.2:" + std::to_string(sport),
				    reason_text("NETFILTER_DROP")));
	ASSERT_FALSE(frames.empty());
	// Before 5.17 nf_hook_slow frees what a rule drops.
	const char *site = kernel_passes_drop_reasons() ? "nft_do_chain+0x" : "nf_hook_slow+0x";
	EXPECT_EQ(frames[0].rfind(site, 0), 0u) << frames[0];
	close(listener);
}

TEST_F(TcpdropTest, OnlyTcpAppearsAndFamilyFiltersSplitIt)
{
	TestNetns ns;
	auto traffic = [&] {
		udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", 7201, 3);
		udp_to_closed_port(ns, "::1", "::1", 7202, 3);
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7203);
		tcp_connect_once(ns, "::1", "::1", 7204);
	};
	const std::vector<DportCase> cases = {
		{{}, {7203, 7204}},
		{{"-4"}, {7203}},
		{{"-6"}, {7204}},
	};
	expect_dports_per_case(ns, cases, traffic);
}

TEST_F(TcpdropTest, EachFilterIncludesAndExcludes)
{
	TestNetns ns, other;
	drop_input_with_nft(ns, "tcp dport 7304");
	auto traffic = [&] {
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7301, 41001);
		tcp_connect_once(ns, "127.0.0.2", "127.0.0.1", 7302, 41002);
		tcp_connect_once(ns, "::1", "::1", 7303, 41003);
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7304, 41004, false);
	};
	const std::vector<DportCase> cases = {
		{{}, {7301, 7302, 7303, 7304}},
		{{"-s", "127.0.0.2"}, {7302}},
		{{"-s", "127.0.0.0/8"}, {7301, 7302, 7304}},
		{{"-d", "::1"}, {7303}},
		{{"-d", "::/0"}, {7303}},
		{{"-N", "127.0.0.2/32"}, {7302}},
		{{"-S", "41002"}, {7302}},
		{{"-S", "41002-41003"}, {7302, 7303}},
		{{"-D", "7301"}, {7301}},
		{{"-P", "7303-7304"}, {7303, 7304}},
		{{"-P", "41001"}, {7301}},
	};
	expect_dports_per_case(ns, cases, traffic);
	// Another namespace sees none of it.
	TcpdropRun run({"--netns", other.path()}, true);
	traffic();
	EXPECT_EQ(parse_json(run.stop().out).size(), 0u);
	// A namespace given by inode number works as its path does.
	TcpdropRun by_inode({"--netns", std::to_string(ns.inode()), "-D", "7301"}, true);
	traffic();
	EXPECT_EQ(dports_of(parse_json(by_inode.stop().out)), std::set<int>{7301});
}

TEST_F(TcpdropTest, RepeatedFiltersMatchAnyValueOfEachOption)
{
	TestNetns ns;
	auto traffic = [&] {
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7321, 41021);
		tcp_connect_once(ns, "127.0.0.2", "127.0.0.1", 7322, 41022);
		tcp_connect_once(ns, "::1", "::1", 7323, 41023);
	};
	expect_dports_per_case(
		ns,
		{
			// Two ports both match, the third does not.
			{{"-P", "7321", "-P", "7322"}, {7321, 7322}},
			{{"-D", "7323", "-D", "7321"}, {7321, 7323}},
			{{"-S", "41021", "-S", "41023"}, {7321, 7323}},
			// An IPv4 and an IPv6 network together.
			{{"-N", "127.0.0.2/32", "-N", "::1"}, {7322, 7323}},
			{{"-s", "127.0.0.2", "-s", "::/0"}, {7322, 7323}},
			// Each option must match: any of -s, any of -D.
			{{"-s", "127.0.0.2", "-s", "::1", "-D", "7321", "-D", "7323"}, {7323}},
		},
		traffic);
}

// A namespace `server` with two veths, to `near` and `far`, and an nft
// rule that drops TCP to port 7331 arriving on either.
struct TwoDeviceBed {
	TwoDeviceBed()
	{
		first = server.add_veth(near, {"10.200.3.1/24", ""}, {"10.200.3.2/24", ""});
		second = server.add_veth(far, {"10.200.4.1/24", ""}, {"10.200.4.2/24", ""});
		drop_input_with_nft(server, "tcp dport 7331");
	}
	// One SYN over each device, dropped there by the rule.
	void traffic()
	{
		tcp_connect_once(near, "10.200.3.2", "10.200.3.1", 7331, 41031, false);
		tcp_connect_once(far, "10.200.4.2", "10.200.4.1", 7331, 41032, false);
	}
	TestNetns server, near, far;
	VethPair first, second;
};

std::set<std::pair<std::string, int>> devices_and_sports(const std::vector<json> &events)
{
	std::set<std::pair<std::string, int>> seen;
	for (const json &e : events)
		seen.insert({e["ifname"].is_string() ? e["ifname"].get<std::string>() : "(null)",
			     e["sport"].get<int>()});
	return seen;
}

TEST_F(TcpdropTest, InterfaceShowsOnlyDropsOnThatDevice)
{
	TwoDeviceBed bed;
	using Seen = std::set<std::pair<std::string, int>>;
	{
		// Both drops happen, each on its own device, named in JSON.
		TcpdropRun run({"--netns", bed.server.path(), "--no-stack"}, true);
		bed.traffic();
		EXPECT_EQ(devices_and_sports(parse_json(run.stop().out)),
			  (Seen{{bed.first.local_ifname, 41031},
				{bed.second.local_ifname, 41032}}));
	}
	for (const VethPair *device : {&bed.first, &bed.second}) {
		TcpdropRun run({"--netns", bed.server.path(), "--interface", device->local_ifname,
				"--no-stack"},
			       true);
		bed.traffic();
		const int sport = device == &bed.first ? 41031 : 41032;
		EXPECT_EQ(devices_and_sports(parse_json(run.stop().out)),
			  (Seen{{device->local_ifname, sport}}))
			<< device->local_ifname;
	}
	// lo of that namespace saw none of it.
	TcpdropRun on_lo({"--netns", bed.server.path(), "--interface", "lo"}, true);
	bed.traffic();
	EXPECT_EQ(parse_json(on_lo.stop().out).size(), 0u);
}

TEST_F(TcpdropTest, TextShowsNamespaceAndDeviceColumnsOnRequest)
{
	TwoDeviceBed bed;
	TcpdropRun run({"--netns", bed.server.path(), "--interface", bed.first.local_ifname,
			"--show-netns", "--show-interface", "--no-stack", "-c", "1"});
	bed.traffic();
	const ProcessResult r = run.finish();
	ASSERT_EQ(r.exit_code, 0) << r.err;
	EXPECT_EQ(r.out.substr(0, r.out.find('\n')),
		  "TIME     PID     NETNS      INTERFACE       IP SADDR:SPORT          > "
		  "DADDR:DPORT          STATE (FLAGS) REASON (CODE)");
	const auto drops = parse_text(r.out);
	ASSERT_EQ(drops.size(), 1u) << r.out;
	const std::regex line(R"(\d\d:\d\d:\d\d \d+ +(.*))");
	std::smatch m;
	ASSERT_TRUE(std::regex_match(drops[0].line, m, line)) << drops[0].line;
	EXPECT_EQ(m[1].str().rfind(fmt::format("{:<10} {:<15} 4  {:<20} > {:<20} ",
					       bed.server.inode(), bed.first.local_ifname,
					       "10.200.3.2:41031", "10.200.3.1:7331"),
				   0),
		  0u)
		<< drops[0].line;
}

TEST_F(TcpdropTest, BadInterfaceExits2WithOneLine)
{
	// A live namespace's number, so that only --interface is at fault.
	struct stat own_netns {};
	ASSERT_EQ(stat("/proc/self/ns/net", &own_netns), 0);
	const std::string own_inode = std::to_string(own_netns.st_ino);
	expect_usage_errors(
		"tcpdrop",
		{
			{{"--interface", "nosuchdev0"},
			 "--interface: no device 'nosuchdev0' in this network namespace"},
			{{"--interface", "nosuchdev0", "--netns", "/proc/self/ns/net"},
			 "--interface: no device 'nosuchdev0' in network namespace"},
			{{"--interface", "a-name-of-16-chr"}, "longer than 15 characters"},
			{{"--interface", "lo", "--netns", own_inode}, "not the inode number"},
		});
}

TEST_F(TcpdropTest, ReasonFiltersIncludeAndExclude)
{
	REQUIRE_DROP_REASONS();
	TestNetns ns;
	drop_input_with_nft(ns, "tcp dport 7314");
	auto traffic = [&] {
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7311);
		tcp_connect_once(ns, "::1", "::1", 7313);
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7314, 0, false);
	};
	expect_dports_per_case(ns,
			       {
				       {{"--reason", "NETFILTER_DROP"}, {7314}},
				       {{"--reason", "no_socket,NETFILTER_DROP"},
					{7311, 7313, 7314}},
				       {{"--exclude-reason", "NO_SOCKET"}, {7314}},
			       },
			       traffic);
}

TEST_F(TcpdropTest, JsonCarriesTheSameFactsAsText)
{
	TestNetns ns;
	TcpdropRun text({"--netns", ns.path(), "-c", "1"});
	TcpdropRun jsonl({"--netns", ns.path(), "-c", "1"}, true);
	const auto sport = tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7401);
	ProcessResult t = text.finish(), j = jsonl.finish();
	ASSERT_EQ(t.exit_code, 0);
	ASSERT_EQ(j.exit_code, 0);
	auto drops = parse_text(t.out);
	auto events = parse_json(j.out);
	ASSERT_EQ(drops.size(), 1u);
	ASSERT_EQ(events.size(), 1u);
	const json &e = events[0];
	const std::vector<std::string> keys = {"time",     "pid",   "comm",       "ip",
					       "saddr",    "sport", "daddr",      "dport",
					       "state",    "flags", "reason",     "reason_code",
					       "location", "netns", "sock_netns", "ifindex",
					       "ifname",   "stack"};
	for (const auto &k : keys)
		EXPECT_TRUE(e.contains(k)) << k;
	EXPECT_TRUE(std::regex_match(e["time"].get<std::string>(),
				     std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z)")))
		<< e["time"];
	EXPECT_EQ(e["ip"], 4);
	EXPECT_EQ(e["saddr"], "127.0.0.1");
	EXPECT_EQ(e["sport"], sport);
	EXPECT_EQ(e["daddr"], "127.0.0.1");
	EXPECT_EQ(e["dport"], 7401);
	EXPECT_TRUE(e["state"].is_null());
	EXPECT_EQ(e["flags"], json::array({"SYN"}));
	if (kernel_passes_drop_reasons()) {
		EXPECT_EQ(e["reason"], "NO_SOCKET");
		EXPECT_EQ(e["reason_code"], reason_code("NO_SOCKET"));
	} else {
		EXPECT_TRUE(e["reason"].is_null());
		EXPECT_TRUE(e["reason_code"].is_null());
	}
	EXPECT_EQ(e["netns"], ns.inode());
	EXPECT_TRUE(e["sock_netns"].is_null()); // no socket, as state says
	EXPECT_EQ(e["ifindex"], 1);             // lo
	EXPECT_EQ(e["ifname"], "lo");
	// Right after ifindex, as documented (parsing sorts the keys).
	EXPECT_NE(j.out.find(R"("ifindex":1,"ifname":"lo","stack":)"), std::string::npos) << j.out;
	EXPECT_EQ(e["location"], drops[0].frames.at(0));
	EXPECT_EQ(e["stack"].get<std::vector<std::string>>(), drops[0].frames);
	EXPECT_NE(drops[0].line.find(" " + std::to_string(e["pid"].get<int>()) + " "),
		  std::string::npos);
	// On loopback the SYN is dropped while this thread sends it: the task
	// is this process, by its id and its thread's name. Under load the
	// kernel may hand the receive to ksoftirqd, which is then the task.
	char thread_name[16] = {};
	prctl(PR_GET_NAME, thread_name, 0, 0, 0);
	if (e["comm"].get<std::string>().rfind("ksoftirqd/", 0) != 0) {
		EXPECT_EQ(e["pid"], getpid());
		EXPECT_EQ(e["comm"], thread_name);
	}
}

// Frames that still carry an 802.1Q tag when dropped: what is shown is
// the TCP packet inside, of either family. skb->protocol names the tag in
// both cases, and
// - on the way out (a veth whose peer is down), the network header is the
//   IP header, past the tag, where the packet socket moves it (from about
//   5.19; before, it is on the tag, as on the way in);
// - on the way in, the receive path takes one tag off; of two, the inner
//   one is left where the network header starts, and with no VLAN device
//   the packet is dropped as of an unhandled protocol.
TEST_F(TcpdropTest, TaggedFramesAreShownByThePacketInside)
{
	TestNetns sender, receiver, unplugged;
	const VethPair link = sender.add_veth(receiver, {}, {});
	const VethPair dead_end = sender.add_veth(unplugged, {}, {});
	unplugged.exec_checked("ip link set " + dead_end.peer_ifname + " down");
	struct Sent {
		int ip;
		const char *saddr;
		int sport;
		const char *daddr;
		int dport;
	};
	const Sent out[] = {{4, "10.9.0.1", 4242, "10.9.0.2", 7402},
			    {6, "fd00:9::1", 4243, "fd00:9::2", 7403}};
	const Sent in[] = {{4, "10.9.1.1", 4244, "10.9.1.2", 7404},
			   {6, "fd00:9:1::1", 4245, "fd00:9:1::2", 7405}};
	// The expression reads the ports from where the IP header was found:
	// a tag taken for it would make it miss.
	const std::string ports = "tcp dst portrange 7402-7405";
	TcpdropRun sender_run({"--netns", sender.path(), "-c", "2", ports}, true);
	TcpdropRun receiver_run({"--netns", receiver.path(), "-c", "2", ports}, true);
	for (const Sent &p : out)
		send_tagged_tcp_syn(sender, dead_end.local_ifname, {10}, p.saddr, p.sport, p.daddr,
				    p.dport);
	for (const Sent &p : in)
		send_tagged_tcp_syn(sender, link.local_ifname, {20, 10}, p.saddr, p.sport, p.daddr,
				    p.dport);
	const auto expect_shown = [](TcpdropRun &run, const Sent(&sent)[2],
				     const std::string &ifname) {
		ProcessResult r = run.finish();
		ASSERT_EQ(r.exit_code, 0) << r.err;
		const auto events = parse_json(r.out);
		ASSERT_EQ(events.size(), 2u) << r.out;
		for (std::size_t i = 0; i < events.size(); ++i) {
			const json &e = events[i];
			EXPECT_EQ(e["ip"], sent[i].ip) << e;
			EXPECT_EQ(e["saddr"], sent[i].saddr) << e;
			EXPECT_EQ(e["sport"], sent[i].sport) << e;
			EXPECT_EQ(e["daddr"], sent[i].daddr) << e;
			EXPECT_EQ(e["dport"], sent[i].dport) << e;
			EXPECT_EQ(e["flags"], json::array({"SYN"})) << e;
			EXPECT_EQ(e["ifname"], ifname) << e;
		}
	};
	expect_shown(sender_run, out, dead_end.local_ifname);
	expect_shown(receiver_run, in, link.peer_ifname);
}

TEST_F(TcpdropTest, NoStackLeavesStacksOut)
{
	TestNetns ns;
	TcpdropRun text({"--netns", ns.path(), "-c", "1", "--no-stack"});
	TcpdropRun jsonl({"--netns", ns.path(), "-c", "1", "--no-stack"}, true);
	tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7402);
	ProcessResult t = text.finish(), j = jsonl.finish();
	auto drops = parse_text(t.out);
	ASSERT_EQ(drops.size(), 1u) << t.out;
	EXPECT_TRUE(drops[0].frames.empty());
	auto events = parse_json(j.out);
	ASSERT_EQ(events.size(), 1u);
	EXPECT_EQ(events[0]["stack"], json::array());
	// The drop site is still known without a stack.
	EXPECT_EQ(events[0]["location"].get<std::string>().rfind("tcp_v4_rcv+0x", 0), 0u);
}

TEST_F(TcpdropTest, EveryAttachModeReportsTheSameDrop)
{
	// The tp_btf programs read the kernel's structures directly, the
	// classic tracepoint through bpf_probe_read_kernel, from another BPF
	// object: what they report must not differ.
	for (const char *addr : {"127.0.0.1", "::1"}) {
		TestNetns ns;
		const std::vector<std::string> base = {"--netns", ns.path(), "-c", "1"};
		auto with = [&](std::vector<std::string> extra) {
			extra.insert(extra.begin(), base.begin(), base.end());
			return extra;
		};
		TcpdropRun automatic(base, true);
		TcpdropRun tp_btf(with({"--attach", "tp_btf"}), true);
		TcpdropRun tracepoint(with({"--attach", "tracepoint"}), true);
		tcp_connect_once(ns, addr, addr, 7403);
		const ProcessResult runs[] = {automatic.finish(), tp_btf.finish(),
					      tracepoint.finish()};
		const char *attached[] = {"attached tp_btf/kfree_skb", "attached tp_btf/kfree_skb",
					  "attached tracepoint/skb/kfree_skb"};
		std::vector<json> events;
		for (int i = 0; i < 3; ++i) {
			EXPECT_NE(runs[i].err.find(attached[i]), std::string::npos) << runs[i].err;
			auto parsed = parse_json(runs[i].out);
			ASSERT_EQ(parsed.size(), 1u) << addr << " run " << i << ": " << runs[i].out;
			parsed[0].erase("time"); // each run converts the kernel's clock itself
			events.push_back(parsed[0]);
		}
		EXPECT_EQ(events[0]["dport"], 7403) << addr;
		EXPECT_FALSE(events[0]["stack"].empty()) << addr;
		EXPECT_EQ(events[1], events[0]) << addr;
		EXPECT_EQ(events[2], events[0]) << addr;
	}
}

TEST_F(TcpdropTest, TheKernelCacheChangesNothingReported)
{
	// Off, first run on this kernel (the cache is made), and a run that
	// takes everything from the cache: the same drop, reported the same.
	CacheDirectory cache;
	TestNetns ns;
	const std::vector<std::string> args = {"--netns", ns.path(), "-c", "1"};
	// Each starts once the one before is attached: the cold run has made
	// the cache by then.
	cache.use("");
	TcpdropRun off(args, true);
	cache.use(cache.path());
	TcpdropRun cold(args, true);
	const auto after_cold = cache.files();
	TcpdropRun warm(args, true);
	tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7405);
	const ProcessResult runs[] = {off.finish(), cold.finish(), warm.finish()};
	std::vector<json> events;
	for (const ProcessResult &r : runs) {
		EXPECT_EQ(r.exit_code, 0) << r.err;
		auto parsed = parse_json(r.out);
		ASSERT_EQ(parsed.size(), 1u) << r.out;
		parsed[0].erase("time"); // each run converts the kernel's clock itself
		events.push_back(parsed[0]);
	}
	EXPECT_EQ(events[0]["dport"], 7405);
	EXPECT_FALSE(events[0]["stack"].empty());
	EXPECT_EQ(events[1], events[0]);
	EXPECT_EQ(events[2], events[0]);
	// The first run kept its answers and the program's kernel types; the
	// second made nothing again.
	ASSERT_TRUE(after_cold.count("facts.json"));
	EXPECT_TRUE(std::any_of(after_cold.begin(), after_cold.end(), [](const auto &f) {
		return f.first.rfind("core-tcpdrop-", 0) == 0;
	}));
	EXPECT_EQ(cache.files(), after_cold);
}

TEST_F(TcpdropTest, ACacheDirectoryOthersMayWriteIsNotUsed)
{
	// What the cache holds decides how programs are loaded: a directory
	// anyone may write to is left alone, and tracing works without it.
	CacheDirectory cache;
	std::filesystem::permissions(cache.path(), std::filesystem::perms::all);
	cache.use(cache.path());
	TestNetns ns;
	TcpdropRun run({"--netns", ns.path(), "-c", "1"}, true);
	tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7406);
	const ProcessResult r = run.finish();
	EXPECT_EQ(r.exit_code, 0) << r.err;
	EXPECT_EQ(parse_json(r.out).size(), 1u) << r.out;
	EXPECT_TRUE(cache.files().empty());
}

TEST_F(TcpdropTest, DurationEndsTheRun)
{
	TestNetns ns;
	TcpdropRun run({"--netns", ns.path(), "--duration", "0.3"});
	ProcessResult r = run.finish();
	EXPECT_EQ(r.exit_code, 0) << r.err;
	EXPECT_EQ(parse_text(r.out).size(), 0u);
}

TEST_F(TcpdropTest, UnknownReasonNamesExit2WithASuggestion)
{
	REQUIRE_DROP_REASONS();
	expect_usage_errors(
		"tcpdrop",
		{
			{{"--reason", "NOPE"}, "--reason: unknown drop reason 'NOPE'"},
			{{"--reason", "NO_SOKET"}, "did you mean NO_SOCKET?"},
			// What it is the beginning of, not a look-alike (XDP).
			{{"--reason", "TCP"},
			 "--reason: unknown drop reason 'TCP'; did you mean one of TCP_* ("},
			{{"--reason", "no_socket,netfilter"},
			 "unknown drop reason 'netfilter'; did you mean NETFILTER_DROP?"},
			// Given but empty would filter nothing.
			{{"--reason", ""}, "--reason: empty value"},
			{{"--exclude-reason", " "}, "--exclude-reason: empty value"},
		});
}

TEST_F(TcpdropTest, ListReasonsNamesTheKernelsReasonsWithoutAttaching)
{
	const auto code = tracefs_reason_code("NO_SOCKET");
	if (!code)
		GTEST_SKIP() << "the kernel's skb:kfree_skb names no drop reason here";
	expect_reasons_listed("tcpdrop", *code);
}

TEST_F(TcpdropTest, BashCompletesReasonNamesFromTheRunningKernel)
{
	REQUIRE_DROP_REASONS();
	// Each call prints what completion offers for the words given.
	const std::string script = R"(
		source "$1"
		offer() {
			COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
			_nettrace
			echo "${COMPREPLY[*]}"
		}
		offer "$2" tcpdrop --reason NO_SOC
		offer "$2" tcpdrop --exclude-reason no_socket,NETFILTER_D
	)";
	const ProcessResult r = run_process({"bash", "-c", script, "completion-test",
					     NETTRACE_TEST_SOURCE_DIR "/../driver/completion.bash",
					     nettrace_binary()},
					    {"NETTRACE_CACHE_DIR="});
	ASSERT_EQ(r.exit_code, 0) << r.err;
	EXPECT_EQ(r.out, "NO_SOCKET\nno_socket,NETFILTER_DROP\n");
}

TEST_F(TcpdropTest, BadInputExits2WithOneLineAndLeavesNothingAttached)
{
	expect_usage_errors(
		"tcpdrop",
		{
			{{"-4", "-6"}, "-4"},
			{{"-P", "0-99999"}, "-P"},
			{{"-P", "90-80"}, "-P"},
			{{"-s", "10.0.0.300"}, "10.0.0.300"},
			{{"--netns", "/nonexistent"}, "--netns: '/nonexistent'"},
			{{"--frobnicate"}, "--frobnicate"},
			{{"-N", "10.0.0.1", "-s", "10.0.0.2"}, "-N"},
			{{"-P", "80", "-D", "81"}, "-P"},
			{{"-c", "0"}, "-c: '0' is not a whole number from 1"},
			{{"--duration", "-1"}, "--duration"},
			// Trailing words are a pcap-filter expression, and this
			// one is none.
			{{"stray"}, "filter expression: can't parse filter expression"},
			{{"--attach", "kprobe"},
			 "--attach: unknown value 'kprobe' (auto, tp_btf or tracepoint)"},
		});
}

// Without kernel BTF each command says so in one line, exit 1: no line of
// libbpf's (its own search for BTF elsewhere) comes before it.
TEST_F(TcpdropTest, WithoutKernelBtfOneLineSaysSo)
{
	for (const std::string tool : {"tcpdrop", "skbstat"}) {
		SCOPED_TRACE(tool);
		// A tmpfs over /sys/kernel/btf, in a mount namespace gone with it.
		const ProcessResult r =
			run_process({"unshare", "--mount", "--propagation", "private", "sh", "-c",
				     "mount -t tmpfs nettrace-test /sys/kernel/btf && exec \"$@\"",
				     "sh", nettrace_binary(), tool, "--duration", "0.1"},
				    {"NETTRACE_CACHE_DIR="});
		EXPECT_EQ(r.exit_code, 1) << r.err;
		EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
		EXPECT_EQ(r.err.rfind("nettrace " + tool + ": ", 0), 0u) << r.err;
		EXPECT_NE(r.err.find("BTF"), std::string::npos) << r.err;
	}
}

TEST_F(TcpdropTest, OptionErrorsSayWhatWasMeantAndNameTheOptionAsTyped)
{
	expect_usage_errors(
		"tcpdrop",
		{
			{{"--jsn"},
			 "unknown option '--jsn'; did you mean --json? (see 'nettrace tcpdrop -h')"},
			{{"--no-stacks"}, "did you mean --no-stack?"},
			{{"--duration", "1s"},
			 "--duration: '1s' is not a number of seconds, such as 2 or 0.5"},
			{{"-c", "1", "-c", "2"}, "-c: can be given only once"},
			{{"-c", "many"}, "-c: 'many' is not a whole number from 1, such as 10"},
			{{"tcp port"},
			 "filter expression: can't parse filter expression: syntax error"},
		});
}

TEST_F(TcpdropTest, ValuesThatCouldNeverWorkAreRefused)
{
	expect_usage_errors(
		"tcpdrop",
		{
			// -1 used to wrap to 2^64-1 and run without a limit.
			{{"-c", "-1"}, "-c: '-1' is not a whole number from 1"},
			{{"-c", "3x"}, "-c: '3x' is not a whole number from 1"},
			{{"--count", "99999999999999999999"},
			 "--count: '99999999999999999999' is too large"},
			{{"--duration", "nan"}, "--duration: 'nan' is not a number of seconds"},
			{{"--duration", "inf"}, "--duration: 'inf' is not a number of seconds"},
			{{"--duration", "-2"}, "--duration: '-2' is out of range"},
			{{"--duration", "1e300"}, "--duration: '1e300' is out of range"},
			// No namespace has these: nothing would ever match.
			{{"--netns", "12345"}, "--netns: no network namespace has inode '12345'"},
			{{"--netns", "net:[4026527743]"},
			 "--netns: no network namespace has inode 'net:[4026527743]'"},
		});
}

TEST_F(TcpdropTest, AnInodeOfALiveNamespaceIsAccepted)
{
	// The number a namespace made here has, as lsns prints it.
	TestNetns ns;
	struct stat st {};
	ASSERT_EQ(stat(ns.path().c_str(), &st), 0);
	TcpdropRun run({"--netns", std::to_string(st.st_ino), "--duration", "0.3"});
	ProcessResult r = run.finish();
	EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(TcpdropTest, ANamespaceMountedOnlyInAnotherMountNamespaceIsAccepted)
{
	// As a container runtime may keep one: bound to a file in a mount
	// namespace of its own, with no task in it and no file open on it
	// here. The shell stays in this network namespace and keeps the
	// mount namespace alive.
	const std::string dir = fmt::format("/tmp/nettrace-mntns-{}", getpid());
	std::filesystem::create_directories(dir);
	const std::unique_ptr<const std::string, void (*)(const std::string *)> remove_dir(
		&dir, [](const std::string *d) { std::filesystem::remove(*d); });
	BackgroundProcess holder(
		{"unshare", "--mount", "--propagation", "private", "sh", "-c",
		 "mount -t tmpfs none \"$0\" && touch \"$0/ns\" && unshare --net=\"$0/ns\" true && "
		 "echo inode $(stat -L -c %i \"$0/ns\") && exec sleep 60",
		 dir});
	const bool ready = holder.wait_for("\n", std::chrono::seconds(10));
	const std::string out = holder.out();
	ASSERT_TRUE(ready && out.rfind("inode ", 0) == 0) << out << holder.err();
	const std::string inode = out.substr(6, out.find('\n') - 6);

	TcpdropRun run({"--netns", inode, "--duration", "0.3"});
	ProcessResult r = run.finish();
	holder.signal(SIGKILL);
	holder.finish();
	EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(TcpdropTest, StormEveryDropIsPrintedOrCountedLost)
{
	TestNetns ns;
	constexpr int generated = 200000;
	TempFile out_file;
	TcpdropRun run({"--netns", ns.path(), "-D", "7500"}, true, out_file.path);
	// The first half cycles the ring buffer many times over, so every
	// page of it has been touched before memory is first measured.
	tcp_syn_storm(ns, 41500, 7500, generated / 2);
	const long rss_early = rss_kb(run.pid());
	tcp_syn_storm(ns, 41500, 7500, generated - generated / 2);
	const long rss_late = rss_kb(run.pid());
	ProcessResult r = run.stop();
	const JsonStream stream = split_stream(out_file.read());
	const auto &events = stream.drops;
	const std::uint64_t lost = lost_in_total(r.err);
	EXPECT_EQ(events.size() + lost, static_cast<std::uint64_t>(generated))
		<< "printed " << events.size() << ", lost " << lost;
	// The stream itself tells a reader of standard output alone as much.
	EXPECT_EQ(stream.lost_events, lost);
	EXPECT_TRUE(stream.other.empty());
	// Memory stays flat: the second half of the storm adds nothing that
	// grows with the number of events.
	if (!running_in_kernel_matrix()) {
		EXPECT_LT(rss_late - rss_early, 2048)
			<< rss_early << " kB -> " << rss_late << " kB";
	}
	RecordProperty("printed", static_cast<int>(events.size()));
	RecordProperty("lost", static_cast<int>(lost));
}

TEST_F(TcpdropTest, SigintStopsItWhileAStormGoesOn)
{
	TestNetns ns;
	TempFile out_file;
	TcpdropRun run({"--netns", ns.path(), "-D", "7600"}, true, out_file.path);
	std::atomic<bool> storming{true};
	std::atomic<int> batches{0};
	std::thread storm([&] {
		while (storming) {
			tcp_syn_storm(ns, 41600, 7600, 5000);
			++batches;
		}
	});
	while (batches < 4)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	// The storm never pauses: the tool must still see the signal.
	ProcessResult r = run.stop();
	const bool storm_still_running = storming;
	storming = false;
	storm.join();
	EXPECT_EQ(r.exit_code, 0) << r.err;
	EXPECT_EQ(r.signal, 0);
	EXPECT_TRUE(storm_still_running);
	EXPECT_GT(parse_json(out_file.read()).size(), 0u);
}

TEST_F(TcpdropTest, TaskNamesThatAreNotUtf8DoNotBreakJson)
{
	TestNetns ns;
	TcpdropRun run({"--netns", ns.path(), "-c", "1"}, true);
	std::thread named([&] {
		prctl(PR_SET_NAME, "bad\xff\xfe", 0, 0, 0);
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7650);
	});
	named.join();
	ProcessResult r = run.finish();
	ASSERT_EQ(r.exit_code, 0) << r.err;
	const auto events = parse_json(r.out);
	ASSERT_EQ(events.size(), 1u);
	EXPECT_EQ(events[0]["comm"].get<std::string>().rfind("bad", 0), 0u);
}

TEST_F(TcpdropTest, AReaderThatStallsFindsTheLossInTheJsonStream)
{
	// Standard output is a pipe this test leaves unread while the storm
	// goes on, as `| (sleep 6; wc -l)` does: the tool blocks writing, the
	// ring buffer fills, and the kernel counts what does not fit.
	TestNetns ns;
	constexpr int generated = 40000;
	TcpdropRun run({"--netns", ns.path(), "-D", "7510"}, true);
	tcp_syn_storm(ns, 41510, 7510, generated);
	// Read again, the stream says so while the tool still runs...
	ASSERT_TRUE(run.wait_for(R"({"type":"lost",)", 30s)) << run.out().size() << " bytes";
	// ... and adds up, at the end, to every drop made.
	const ProcessResult r = run.stop();
	const JsonStream stream = split_stream(r.out);
	EXPECT_TRUE(stream.other.empty()) << stream.other.front();
	EXPECT_GT(stream.lost_events, 0u);
	EXPECT_EQ(stream.drops.size() + stream.lost_events, static_cast<std::uint64_t>(generated))
		<< "printed " << stream.drops.size() << ", lost " << stream.lost_events;
	std::uint64_t so_far = 0;
	for (const json &l : stream.lost) {
		EXPECT_EQ(l.size(), 5u) << l;
		EXPECT_TRUE(
			std::regex_match(l.value("time", ""),
					 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z)")))
			<< l;
		EXPECT_TRUE(l["cause"] == "ring_buffer_full" || l["cause"] == "unread_at_exit")
			<< l;
		EXPECT_GT(l["events"].get<std::uint64_t>(), 0u) << l;
		so_far += l["events"].get<std::uint64_t>();
		EXPECT_EQ(l["total"], so_far) << l;
	}
	// Standard error still says it, with the same total.
	EXPECT_EQ(lost_in_total(r.err), stream.lost_events) << r.err;
	RecordProperty("printed", static_cast<int>(stream.drops.size()));
	RecordProperty("lost", static_cast<int>(stream.lost_events));
}

// clone_drop.bpf.c on the ingress of `ns`'s loopback: each packet there
// is cloned to the down device `down_ifindex`, and the clone dropped with
// the program on the stack. Goes away with the namespace.
class CloneDropProgram {
public:
	CloneDropProgram(const TestNetns &ns, unsigned down_ifindex)
	{
		skel_ = clone_drop_bpf__open();
		if (!skel_)
			throw std::runtime_error("cannot open clone_drop.bpf.o");
		skel_->rodata->down_ifindex = down_ifindex;
		if (clone_drop_bpf__load(skel_))
			throw std::runtime_error("cannot load clone_drop.bpf.o");
		const int fd = bpf_program__fd(skel_->progs.clone_drop);
		ns.run_in([&] {
			LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = 1,
				    .attach_point = BPF_TC_INGRESS);
			int err = bpf_tc_hook_create(&hook);
			if (err && err != -EEXIST)
				throw std::runtime_error("bpf_tc_hook_create: " +
							 std::to_string(err));
			LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = fd);
			err = bpf_tc_attach(&hook, &opts);
			if (err)
				throw std::runtime_error("bpf_tc_attach: " + std::to_string(err));
		});
		bpf_prog_info info{};
		__u32 size = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &size))
			throw std::runtime_error("cannot read the program's tag");
		for (unsigned char byte : info.tag)
			tag_ += fmt::format("{:02x}", byte);
	}
	~CloneDropProgram() { clone_drop_bpf__destroy(skel_); }
	CloneDropProgram(const CloneDropProgram &) = delete;
	CloneDropProgram &operator=(const CloneDropProgram &) = delete;

	// How /proc/kallsyms names the program: bpf_prog_TAG_NAME.
	std::string symbol() const { return "bpf_prog_" + tag_ + "_clone_drop"; }

private:
	clone_drop_bpf *skel_ = nullptr;
	std::string tag_;
};

TEST_F(TcpdropTest, AFrameOfABpfProgramLoadedAfterStartIsNamed)
{
	TestNetns ns;
	ns.exec_checked("ip link add ntdown0 type veth peer name ntdown1");
	unsigned down_ifindex = 0;
	ns.run_in([&] { down_ifindex = if_nametoindex("ntdown0"); });
	ASSERT_NE(down_ifindex, 0u);
	TcpdropRun run({"--netns", ns.path(), "-D", "7520"}, true);
	// A drop shown means the tool has read the kernel's symbols.
	tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7520);
	ASSERT_TRUE(run.wait_for("\"dport\":7520", 20s)) << run.out();
	const CloneDropProgram program(ns, down_ifindex);
	// The symbols are read again at most once a second; one may just have been.
	std::this_thread::sleep_for(1100ms);
	tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7520);
	const JsonStream stream = split_stream(run.stop().out);
	// Each SYN to the closed port is dropped in tcp_v4_rcv (NO_SOCKET);
	// the clone of the second is dropped in the helper the program called.
	std::vector<json> clones;
	for (const json &d : stream.drops)
		if (d["location"].get<std::string>().rfind("tcp_v4_rcv+", 0) != 0)
			clones.push_back(d);
	ASSERT_EQ(clones.size(), 1u) << ::testing::PrintToString(stream.drops);
	const auto stack = clones[0]["stack"].get<std::vector<std::string>>();
	const std::regex named("^" + program.symbol() + R"(\+0x[0-9a-f]+ \[bpf\]$)");
	EXPECT_TRUE(std::any_of(stack.begin(), stack.end(),
				[&](const std::string &f) { return std::regex_match(f, named); }))
		<< program.symbol() << " not in\n"
		<< ::testing::PrintToString(stack);
}
