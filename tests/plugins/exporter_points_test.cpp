// SPDX-License-Identifier: MIT
// nettrace exporter --points against real datagrams sent through a veth
// pair between two namespaces this test makes: each point's count, per
// namespace and device, checked to the packet from a real scrape.
#include "bpf_links.hpp"
#include "exporter_run.hpp"
#include "netns.hpp"
#include "requirements.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace nettrace::test;
using namespace std::chrono_literals;

namespace {

// Every probe point: 8 tracepoints and 31 functions (skbstat --list-probes).
constexpr int all_points = 39;

std::uint16_t own_port()
{
	return static_cast<std::uint16_t>(30000 + (getpid() + 7) % 20000);
}

// The points that attached, by name, with how, from nettrace_attached.
std::map<std::string, std::string> attached_points(const std::vector<Sample> &samples)
{
	std::map<std::string, std::string> points;
	for (const Sample &s : samples)
		if (s.name == "nettrace_attached" && s.labels.at("probe") != "skb:kfree_skb")
			points[s.labels.at("probe")] = s.labels.at("mechanism");
	return points;
}

// Scrapes until the packets at `point` in `ns` reach `want` (softirqs
// count them, maybe just after the send returned), then once more a
// moment later so that a count beyond `want` shows too.
std::vector<Sample> settled_scrape(const ExporterRun &exporter, const std::string &point,
				   const TestNetns &ns, double want)
{
	const std::map<std::string, std::string> labels = {{"point", point},
							   {"netns", std::to_string(ns.inode())}};
	const auto deadline = std::chrono::steady_clock::now() + 10s;
	while (sum_samples(exporter.scrape(), "nettrace_point_packets_total", labels) < want &&
	       std::chrono::steady_clock::now() < deadline)
		std::this_thread::sleep_for(100ms);
	std::this_thread::sleep_for(300ms);
	return exporter.scrape();
}

double packets(const std::vector<Sample> &samples, const std::string &point, const TestNetns &ns,
	       const std::string &interface)
{
	std::map<std::string, std::string> labels = {{"point", point},
						     {"netns", std::to_string(ns.inode())}};
	if (!interface.empty())
		labels["interface"] = interface;
	return sum_samples(samples, "nettrace_point_packets_total", labels);
}

class ExporterPointsTest : public ::testing::Test {
protected:
	void SetUp() override { NETTRACE_REQUIRE_BPF(); }
};

TEST_F(ExporterPointsTest, CountsEachDatagramOnceAtTheInputAndOutputPointsOfEachSide)
{
	constexpr int datagrams = 17;
	TestNetns sender, receiver;
	const unsigned n = static_cast<unsigned>(getpid()) % 250 + 1;
	const std::string prefix = "10.203." + std::to_string(n) + ".";
	// IPv4 only, and only these datagrams counted (-p udp -S): ARP, the
	// ICMP errors they cause and IPv6's reports are left out. By source
	// port, which a socket point knows of an unconnected socket too.
	const VethPair veth =
		sender.add_veth(receiver, {prefix + "1/24", ""}, {prefix + "2/24", ""});
	const std::uint16_t sport = own_port() + 1;
	ExporterRun exporter(
		{"--points", "input,output", "-p", "udp", "-S", std::to_string(sport), "-v"});
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	udp_to_closed_port(sender, prefix + "1", prefix + "2", own_port(), datagrams, sport);

	std::string text;
	settled_scrape(exporter, "net:netif_receive_skb", receiver, datagrams);
	const std::vector<Sample> samples = exporter.scrape(&text);
	const auto attached = attached_points(samples);
	// Tracepoints attach on every kernel the tests run on.
	ASSERT_TRUE(attached.count("net:netif_receive_skb")) << text;
	ASSERT_TRUE(attached.count("net:net_dev_queue")) << text;

	// The receiving side: each datagram once at the points skbstat
	// counts exactly, on the receiving end of the pair.
	for (const char *point : {"net:netif_rx", "net:netif_receive_skb"})
		EXPECT_EQ(packets(samples, point, receiver, veth.peer_ifname), datagrams)
			<< point << "\n"
			<< text;
	// The sending side, on its own end of the pair.
	for (const char *point : {"net:net_dev_queue", "net:net_dev_start_xmit"})
		EXPECT_EQ(packets(samples, point, sender, veth.local_ifname), datagrams)
			<< point << "\n"
			<< text;
	// net:net_dev_xmit comes after the veth moved the packet to its peer:
	// tp_btf has the sending device still, the classic record only the
	// packet's own, by then the peer (nettrace-exporter(8)).
	if (attached.at("net:net_dev_xmit") == "tp_btf") {
		EXPECT_EQ(packets(samples, "net:net_dev_xmit", sender, veth.local_ifname),
			  datagrams)
			<< text;
	} else {
		EXPECT_EQ(packets(samples, "net:net_dev_xmit", receiver, veth.peer_ifname),
			  datagrams)
			<< text;
	}
	// sock:sock_send_length came in 6.3: where it is, each sendto once.
	if (attached.count("sock:sock_send_length")) {
		EXPECT_EQ(packets(samples, "sock:sock_send_length", sender, ""), datagrams) << text;
	}

	// Nothing of these datagrams on the way back: no input point of the
	// sender, no output point of the receiver (but net_dev_xmit, above).
	for (const Sample &s : samples) {
		if (s.name != "nettrace_point_packets_total")
			continue;
		const std::string &point = s.labels.at("point");
		if (s.labels.at("netns") == std::to_string(sender.inode())) {
			EXPECT_TRUE(point.find("send") != std::string::npos ||
				    point.find("out") != std::string::npos ||
				    point.rfind("net:net_dev_", 0) == 0 || point == "udp_sendmsg")
				<< point << "\n"
				<< text;
		}
		EXPECT_EQ(s.labels.at("netns_name").empty(), false) << text;
	}

	// Every point is either attached (one sample, with how) or said on
	// standard error (-v) with why not: function points need fentry or
	// kprobes, which some kernels do not attach.
	// "nettrace exporter: skipped ip_rcv, ipv6_rcv: fentry: ...": names
	// never hold ": ".
	std::set<std::string> skipped;
	std::istringstream err(exporter.err());
	const std::string skipped_line = "nettrace exporter: skipped ";
	for (std::string line; std::getline(err, line);) {
		if (line.rfind(skipped_line, 0) != 0)
			continue;
		std::string names = line.substr(skipped_line.size());
		const std::size_t colon = names.find(": ");
		ASSERT_NE(colon, std::string::npos) << line;
		names.resize(colon);
		for (std::size_t at = 0; at != std::string::npos;) {
			const std::size_t comma = names.find(", ", at);
			skipped.insert(names.substr(at, comma - at));
			at = comma == std::string::npos ? comma : comma + 2;
		}
	}
	for (const auto &[point, mechanism] : attached)
		EXPECT_FALSE(skipped.count(point)) << point;
	EXPECT_EQ(attached.size() + skipped.size(), static_cast<std::size_t>(all_points))
		<< exporter.err() << text;
	EXPECT_EQ(sum_samples(samples, "nettrace_point_series_dropped_total", {}), 0) << text;
	// The kernel agrees: one link per point said attached, and the drops'.
	// (A classic tracepoint is a link only from 5.15 on; here all are tp_btf.)
	bool all_tp_btf = true;
	for (const auto &[point, mechanism] : attached)
		all_tp_btf &= mechanism == "tp_btf";
	if (all_tp_btf) {
		EXPECT_EQ(bpf_links_of(exporter.pid()).size(), attached.size() + 1);
	}
	exporter.stop();
}

TEST_F(ExporterPointsTest, OnePointByNameIsTheOnlyOneAttached)
{
	constexpr int datagrams = 5;
	TestNetns ns;
	const std::string port = std::to_string(own_port());
	ExporterRun exporter({"--points", "net:netif_receive_skb", "--netns", ns.path(), "-p",
			      "udp", "-D", port});
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", own_port(), datagrams);

	std::string text;
	settled_scrape(exporter, "net:netif_receive_skb", ns, datagrams);
	const std::vector<Sample> samples = exporter.scrape(&text);
	EXPECT_EQ(attached_points(samples).size(), 1u) << text;
	EXPECT_EQ(packets(samples, "net:netif_receive_skb", ns, "lo"), datagrams) << text;
	EXPECT_EQ(sum_samples(samples, "nettrace_point_packets_total", {}), datagrams) << text;
	// The drops are counted as ever, by the same filter.
	EXPECT_EQ(sum_samples(samples, "nettrace_drops_total",
			      {{"netns", std::to_string(ns.inode())}, {"protocol", "udp"}}),
		  datagrams)
		<< text;
	EXPECT_EQ(exporter.err().find("skipped"), std::string::npos) << exporter.err();
	exporter.stop();
}

TEST_F(ExporterPointsTest, WithoutPointsNothingMoreIsAttachedOrServed)
{
	TestNetns ns;
	ExporterRun exporter({"--netns", ns.path()});
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", own_port(), 3);
	std::string text;
	const std::vector<Sample> samples = exporter.scrape(&text);
	EXPECT_EQ(text.find("nettrace_point_"), std::string::npos) << text;
	EXPECT_EQ(sum_samples(samples, "nettrace_attached", {}), 1) << text;
	// The kernel agrees: one link, skb:kfree_skb's.
	EXPECT_EQ(bpf_links_of(exporter.pid()).size(), 1u);
	exporter.stop();
}

TEST_F(ExporterPointsTest, BadPointNamesAreUsageErrorsWithNothingAttached)
{
	expect_usage_errors(
		"exporter",
		{
			{{"--points", "inptu"},
			 "--points: unknown point or group 'inptu' (input, output, or a point as "
			 "'nettrace skbstat --list-probes' names it)"},
			{{"--points", "input,"}, "--points: unknown point or group ''"},
			{{"--points", ""}, "--points: unknown point or group ''"},
			{{"--points", "net:kfree_skb"}, "'net:kfree_skb'"},
			{{"--points", "input", "--points", "output"}, "--points"},
		});
}

} // namespace
