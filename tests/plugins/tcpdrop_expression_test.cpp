// SPDX-License-Identifier: MIT
// nettrace tcpdrop with a pcap-filter expression as its trailing arguments:
// real drops in a namespace this test makes, and the drops the expression
// selects, alone and with the options.
#include "netns.hpp"
#include "requirements.hpp"
#include "tcpdrop_run.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

using namespace nettrace::test;

namespace {

class TcpdropExpressionTest : public ::testing::Test {
protected:
	void SetUp() override { NETTRACE_REQUIRE_BPF(); }
};

// Four SYNs, each dropped once: three to closed ports (NO_SOCKET), one by
// an nft rule, from known source ports.
struct FourDrops {
	FourDrops() { drop_input_with_nft(ns, "tcp dport 7404"); }
	void traffic() const
	{
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7401, 41041);
		tcp_connect_once(ns, "127.0.0.2", "127.0.0.1", 7402, 41042);
		tcp_connect_once(ns, "::1", "::1", 7403, 41043);
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7404, 41044, false);
	}
	TestNetns ns;
};

std::multiset<int> dports_seen(const TestNetns &ns, std::vector<std::string> args,
			       const FourDrops &drops)
{
	args.insert(args.end(), {"--netns", ns.path()});
	TcpdropRun run(args, true);
	drops.traffic();
	const ProcessResult r = run.stop();
	EXPECT_EQ(r.exit_code, 0) << r.err;
	std::multiset<int> ports;
	for (const auto &e : parse_json_lines(r.out))
		ports.insert(e["dport"].get<int>());
	return ports;
}

TEST_F(TcpdropExpressionTest, AnExpressionShowsExactlyTheDropsItSelects)
{
	const FourDrops drops;
	const struct {
		std::vector<std::string> args;
		std::multiset<int> dports;
	} cases[] = {
		{{"tcp dst port 7402"}, {7402}},
		// Unquoted: the words join as tcpdump joins them.
		{{"tcp", "port", "7401"}, {7401}},
		{{"ip6"}, {7403}},
		{{"not net 127.0.0.0/8"}, {7403}},
		{{"src host 127.0.0.2 or tcp dst portrange 7403-7404"}, {7402, 7403, 7404}},
		{{"ip and tcp[tcpflags] == tcp-syn"}, {7401, 7402, 7404}},
		{{"tcp[tcpflags] & tcp-ack != 0"}, {}},
		{{"tcp src port 41044 and ip[8] > 0"}, {7404}},
		// Lengths count the cooked header's 20 bytes, as on tcpdump's
		// "any": an IPv4 SYN of 60 bytes is 80 long.
		{{"greater 61 and less 80 and ip"}, {7401, 7402, 7404}},
		{{"greater 81 and ip"}, {}},
	};
	for (const auto &c : cases) {
		SCOPED_TRACE(::testing::PrintToString(c.args));
		EXPECT_EQ(dports_seen(drops.ns, c.args, drops), c.dports);
	}
}

TEST_F(TcpdropExpressionTest, TheExpressionAndTheOptionsMustBothMatch)
{
	const FourDrops drops;
	const struct {
		std::vector<std::string> args;
		std::multiset<int> dports;
	} cases[] = {
		{{"-P", "7401-7402", "src host 127.0.0.2"}, {7402}},
		{{"-P", "7401", "src host 127.0.0.2"}, {}},
		{{"-6", "tcp"}, {7403}},
		{{"-D", "7404", "tcp[tcpflags] & tcp-syn != 0"}, {7404}},
	};
	for (const auto &c : cases) {
		SCOPED_TRACE(::testing::PrintToString(c.args));
		EXPECT_EQ(dports_seen(drops.ns, c.args, drops), c.dports);
	}
}

TEST_F(TcpdropExpressionTest, AnExpressionThatCannotRunExits2WithOneLine)
{
	expect_usage_errors("tcpdrop",
			    {
				    {{"tcp", "port"},
				     "tcpdrop: filter expression: can't parse filter "
				     "expression: syntax error"},
				    {{"tcp[tcpflags] & & 2"}, "filter expression: can't parse"},
				    {{"ether host 01:02:03:04:05:06"},
				     "filter expression: ethernet addresses supported only on"},
				    // With the options' errors, the expression's come first.
				    {{"-P", "80", "tcp port"}, "filter expression: "},
				    {{"ip protochain 6"},
				     "cannot run in the kernel: it jumps backwards"},
			    });
}

} // namespace
