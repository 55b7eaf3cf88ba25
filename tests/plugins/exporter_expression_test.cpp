// SPDX-License-Identifier: MIT
// nettrace exporter with a pcap-filter expression as its trailing
// arguments: it counts exactly the drops the expression selects.
#include "exporter_run.hpp"
#include "netns.hpp"
#include "requirements.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include <gtest/gtest.h>

using namespace nettrace::test;

namespace {

class ExporterExpressionTest : public ::testing::Test {
protected:
	void SetUp() override { NETTRACE_REQUIRE_BPF(); }
};

TEST_F(ExporterExpressionTest, AnExpressionCountsExactlyTheDropsItSelects)
{
	TestNetns ns;
	const std::uint16_t port = own_port();
	const std::uint16_t other_port = static_cast<std::uint16_t>(port + 1);
	ExporterRun exporter(
		{"--netns", ns.path(), "udp", "dst", "port", std::to_string(port), "or", "ip6"});
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	// 3 to the port, 5 to the other one over IPv4, 7 to it over IPv6:
	// the expression selects 3 + 7.
	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", port, 3);
	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", other_port, 5);
	udp_to_closed_port(ns, "::1", "::1", other_port, 7);

	std::map<std::string, std::string> labels = {{"protocol", "udp"},
						     {"netns", std::to_string(ns.inode())},
						     {"kind", "drop"}};
	if (kernel_passes_drop_reasons())
		labels["reason"] = "NO_SOCKET";
	EXPECT_EQ(exporter.settled_count("nettrace_drops_total", labels, 10), 10) << exporter.err();
	// With the options (AND): -s leaves the IPv6 drops out.
	ExporterRun ipv4_only({"--netns", ns.path(), "-s", "127.0.0.0/8", "udp or ip6"});
	ASSERT_NE(ipv4_only.port(), 0) << ipv4_only.err();
	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", other_port, 2);
	udp_to_closed_port(ns, "::1", "::1", other_port, 4);
	EXPECT_EQ(ipv4_only.settled_count("nettrace_drops_total", labels, 2), 2) << ipv4_only.err();
	exporter.stop();
	ipv4_only.stop();
}

// "not port 22" keeps every drop but those of port 22, those of packets
// that are not IP included, as tcpdump's "any" device does: 4 frames of an
// ethertype no protocol takes count, 2 datagrams to port 22 do not.
TEST_F(ExporterExpressionTest, PacketsThatAreNotIpCountAsTcpdumpWouldMatchThem)
{
	TestNetns server, peer;
	const VethPair veth = server.add_veth(peer, {"10.200.10.1/24", ""}, {"10.200.10.2/24", ""});
	ExporterRun exporter({"--netns", server.path(), "not port 22"});
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	send_frames(peer, veth.peer_ifname, 0x88b5, 4);
	udp_to_closed_port(server, "127.0.0.1", "127.0.0.1", 22, 2);
	udp_to_closed_port(server, "127.0.0.1", "127.0.0.1", 23, 1);
	const std::string netns = std::to_string(server.inode());
	EXPECT_EQ(exporter.settled_count("nettrace_drops_total",
					 {{"protocol", "ethertype-0x88b5"}, {"netns", netns}}, 4),
		  4)
		<< exporter.err();
	EXPECT_EQ(exporter.settled_count("nettrace_drops_total",
					 {{"protocol", "udp"}, {"netns", netns}, {"kind", "drop"}},
					 1),
		  1)
		<< exporter.err();
	exporter.stop();
}

TEST_F(ExporterExpressionTest, AnExpressionThatCannotRunExits2WithOneLine)
{
	expect_usage_errors("exporter", {
						{{"udp", "port"},
						 "exporter: filter expression: can't parse "
						 "filter expression: syntax error"},
						{{"ip protochain 6"},
						 "filter expression: classic BPF instruction"},
					});
}

} // namespace
