// SPDX-License-Identifier: MIT
// nettrace skbstat with a pcap-filter expression as its trailing
// arguments: the drops it counts are exactly those the expression and the
// options select.
#include "netns.hpp"
#include "requirements.hpp"
#include "skbstat_run.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

using namespace nettrace::test;

namespace {

class SkbstatExpressionTest : public ::testing::Test {
protected:
	void SetUp() override { NETTRACE_REQUIRE_BPF(); }
};

// NO_SOCKET drops at the protocols' receive functions, over all intervals.
std::uint64_t no_socket_drops(const std::vector<nlohmann::json> &intervals)
{
	const std::string reason = kernel_passes_drop_reasons() ? "NO_SOCKET" : "-";
	std::uint64_t drops = 0;
	for (const auto &[key, n] : stack_totals(intervals, "drop"))
		for (const char *site :
		     {"tcp_v4_rcv", "tcp_v6_rcv", "__udp4_lib_rcv", "__udp6_lib_rcv"})
			drops += key == reason + " " + site ? n : 0;
	return drops;
}

TEST_F(SkbstatExpressionTest, AnExpressionCountsExactlyTheDropsItSelects)
{
	TestNetns ns;
	// five_kinds_of_drop(): the total of any subset tells exactly which
	// kinds matched.
	const struct {
		std::vector<std::string> args;
		std::uint64_t drops;
	} cases[] = {
		{{"udp dst port 85"}, 2 + 8},
		{{"src host 127.0.0.2 or ip6"}, 4 + 8},
		{{"tcp[tcpflags] & tcp-syn != 0"}, 16},
		{{"udp", "and", "src", "portrange", "41001-41003"}, 1 + 2 + 4},
		{{"udp[8:4] = 0"}, 0},
		// With the options: both must match.
		{{"-p", "udp", "not dst port 85"}, 1 + 4},
		{{"-D", "85", "ip6"}, 8},
		{{"-s", "127.0.0.2", "ip6"}, 0},
	};
	for (const auto &c : cases) {
		SCOPED_TRACE(::testing::PrintToString(c.args));
		auto args = c.args;
		args.insert(args.end(), {"--netns", ns.path(), "--json", "-i", "60"});
		SkbstatRun run(args);
		five_kinds_of_drop(ns);
		EXPECT_EQ(no_socket_drops(parse_json_lines(run.stop().out)), c.drops);
	}
}

TEST_F(SkbstatExpressionTest, PointsThatSeeOnlyASocketCountNothingWithAnExpression)
{
	TestNetns ns;
	// One datagram from 127.0.0.1:42011 to a socket on 127.0.0.1:42012
	// that reads it: the packet points see it, the socket points a
	// socket with no packet to match.
	const int server = ns.socket_in(AF_INET, SOCK_DGRAM);
	const int client = ns.socket_in(AF_INET, SOCK_DGRAM);
	sockaddr_in to{};
	to.sin_family = AF_INET;
	to.sin_port = htons(42012);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(bind(server, reinterpret_cast<sockaddr *>(&to), sizeof(to)), 0);
	const bool sock_tracepoint =
		access("/sys/kernel/tracing/events/sock/sock_recv_length", F_OK) == 0 ||
		access("/sys/kernel/debug/tracing/events/sock/sock_recv_length", F_OK) == 0;
	const char *recv_point = sock_tracepoint ? "sock:sock_recv_length" : "udp_recvmsg";
	for (const bool with_expression : {false, true}) {
		SCOPED_TRACE(with_expression ? "udp port 42012" : "no expression");
		std::vector<std::string> args = {"--input", "--no-drop", "--netns", ns.path(),
						 "--json",  "-i",        "60"};
		if (with_expression)
			args.push_back("udp port 42012");
		SkbstatRun run(args);
		char buf[16] = "ping";
		ASSERT_EQ(sendto(client, buf, 4, 0, reinterpret_cast<sockaddr *>(&to), sizeof(to)),
			  4);
		ASSERT_EQ(recv(server, buf, sizeof(buf), 0), 4);
		const auto totals = point_totals(parse_json_lines(run.stop().out), "ingress");
		const auto count = [&](const char *point) {
			const auto it = totals.find(point);
			return it == totals.end() ? std::uint64_t{0} : it->second;
		};
		EXPECT_EQ(count("net:netif_receive_skb"), 1u);
		EXPECT_EQ(count(recv_point), with_expression ? 0u : 1u);
	}
	close(server);
	close(client);
}

// Drops of every row, whatever their reason and site, over all intervals.
std::uint64_t all_drops(const std::vector<nlohmann::json> &intervals)
{
	std::uint64_t drops = 0;
	for (const auto &[key, n] : stack_totals(intervals, "drop"))
		drops += n;
	return drops;
}

// `count` datagrams to `dst`:`dport` from `ns`, each of which an output
// rule drops: sendto() says EPERM.
void send_refused_datagrams(const TestNetns &ns, const char *dst, std::uint16_t dport, int count)
{
	const int fd = ns.socket_in(AF_INET, SOCK_DGRAM);
	sockaddr_in to{};
	to.sin_family = AF_INET;
	to.sin_port = htons(dport);
	ASSERT_EQ(inet_pton(AF_INET, dst, &to.sin_addr), 1);
	for (int i = 0; i < count; i++)
		EXPECT_EQ(sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr *>(&to), sizeof(to)), -1)
			<< "an output rule should have dropped it";
	close(fd);
}

// An expression is matched as tcpdump matches it on "any": packets that
// are not IP match by their protocol, and the direction and the device
// are known. 3 frames of an ethertype no protocol takes, dropped on
// receipt by `server`; 5 datagrams that `server`'s output rule drops as
// they leave.
TEST_F(SkbstatExpressionTest, ProtocolDirectionAndDeviceMatchAsOnTcpdumpsAnyDevice)
{
	TestNetns server, peer;
	const VethPair veth = server.add_veth(peer, {"10.200.9.1/24", ""}, {"10.200.9.2/24", ""});
	server.exec_checked(
		"nft add table inet ntout && "
		"nft add chain inet ntout output '{ type filter hook output priority 0; }' && "
		"nft add rule inet ntout output udp dport 7731 drop");
	unsigned veth_index = 0;
	server.run_in([&] { veth_index = if_nametoindex(veth.local_ifname.c_str()); });
	ASSERT_NE(veth_index, 0u);
	const std::string on_veth = "ifindex " + std::to_string(veth_index);
	const std::string elsewhere = "ifindex " + std::to_string(veth_index + 1000);
	const struct {
		std::string expression;
		std::uint64_t drops;
	} cases[] = {
		{"ether proto 0x88b5", 3},
		{"not ip and not ip6 and not arp", 3},
		{"inbound and ether proto 0x88b5", 3},
		{"outbound and ether proto 0x88b5", 0},
		{on_veth + " and ether proto 0x88b5", 3},
		{elsewhere + " and ether proto 0x88b5", 0},
		{"outbound and udp dst port 7731", 5},
		{"inbound and udp dst port 7731", 0},
		{"ip and udp dst port 7731", 5},
	};
	for (const auto &c : cases) {
		SCOPED_TRACE(c.expression);
		SkbstatRun run({"--netns", server.path(), "--json", "-i", "60", c.expression});
		send_frames(peer, veth.peer_ifname, 0x88b5, 3);
		send_refused_datagrams(server, "10.200.9.2", 7731, 5);
		EXPECT_EQ(all_drops(parse_json_lines(run.stop().out)), c.drops);
	}
}

TEST_F(SkbstatExpressionTest, AnExpressionThatCannotRunExits2WithOneLine)
{
	expect_usage_errors("skbstat", {
					       {{"udp", "port"},
						"skbstat: filter expression: can't parse filter "
						"expression: syntax error"},
					       {{"ip6 protochain 17"},
						"filter expression: classic BPF instruction"},
				       });
}

} // namespace
