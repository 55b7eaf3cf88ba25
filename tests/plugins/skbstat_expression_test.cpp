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
