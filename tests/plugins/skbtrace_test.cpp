// SPDX-License-Identifier: MIT
// nettrace skbtrace on real packets between namespaces the tests make:
// each packet is followed from its first sighting to its end, across
// namespaces and through NAT, by whatever this kernel lets attach.
#include "netns.hpp"
#include "process.hpp"
#include "requirements.hpp"
#include "skbtrace_run.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cstdio>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <map>
#include <net/if.h>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <vector>

using namespace nettrace::test;
using nlohmann::json;

namespace {

class SkbtraceTest : public ::testing::Test {
protected:
	void SetUp() override { NETTRACE_REQUIRE_BPF(); }
};

// A client and a server namespace on one veth pair, IPv4 only (IPv6
// would send its own packets), with the neighbours already resolved.
struct VethHosts {
	TestNetns client, server;
	VethPair veth;
	VethHosts() : veth(client.add_veth(server, {"10.61.0.1/24", ""}, {"10.61.0.2/24", ""}))
	{
		udp_to_closed_port(client, "10.61.0.1", "10.61.0.2", 9);
	}
};

// A UDP socket bound on the server at `port`, and one on the client to
// send to it from; both closed at the end.
struct Datagrams {
	int server, client;
	sockaddr_in to{};
	Datagrams(const VethHosts &hosts, std::uint16_t port)
	    : server(hosts.server.socket_in(AF_INET, SOCK_DGRAM)),
	      client(hosts.client.socket_in(AF_INET, SOCK_DGRAM))
	{
		to.sin_family = AF_INET;
		to.sin_port = htons(port);
		inet_pton(AF_INET, "10.61.0.2", &to.sin_addr);
		if (bind(server, reinterpret_cast<sockaddr *>(&to), sizeof(to)) != 0)
			throw std::runtime_error("cannot bind 10.61.0.2:" + std::to_string(port));
	}
	~Datagrams()
	{
		close(server);
		close(client);
	}
	Datagrams(const Datagrams &) = delete;
	Datagrams &operator=(const Datagrams &) = delete;
};

// The packet whose last record is its end `end`, or nothing.
const std::vector<json> *packet_ending_in(const std::map<std::uint64_t, std::vector<json>> &packets,
					  const std::string &end)
{
	for (const auto &[id, records] : packets)
		if (records.back().value("type", "") == "end" &&
		    records.back().value("end", "") == end)
			return &records;
	return nullptr;
}

// The points the tests follow packets through: every tracepoint there is,
// and a few functions on the way in, through and out. Every function that
// takes a packet attaches in seconds by kprobe.multi, but takes minutes by
// fentry or kprobes under emulation (--list-points names them all).
const std::string test_points = "net:*,skb:*,tcp:*,udp:*,qdisc:*,icmp:*,ip_rcv,ip_rcv_finish,"
				"ip_local_deliver,ip_forward,ip_output,ip_local_out,tcp_v4_rcv,"
				"udp_rcv,__netif_receive_skb,skb_clone";

bool functions_attached(const std::string &err)
{
	return err.find("kernel functions by") != std::string::npos;
}

const json *first_at(const std::vector<json> &records, const std::string &point)
{
	for (const json &r : records)
		if (r["point"] == point)
			return &r;
	return nullptr;
}

// Runs skbtrace with `args` while `traffic` runs, until a packet ends
// in `end`, any end if empty (or 30 s pass); its records by packet, and
// what it said.
std::map<std::uint64_t, std::vector<json>> follow(std::vector<std::string> args,
						  const std::function<void()> &traffic,
						  const std::string &end,
						  std::string *err = nullptr)
{
	args.insert(args.end(), {"--json", "--duration", "60", "--points", test_points});
	SkbtraceRun run(args);
	traffic();
	// With no `end` named, any packet's end.
	run.wait_for(end.empty() ? std::string("\"type\":\"end\"") : "\"end\":\"" + end + "\"",
		     std::chrono::seconds(30));
	const ProcessResult r = run.stop();
	if (err)
		*err = r.err;
	return records_by_packet(parse_json_lines(r.out));
}

TEST_F(SkbtraceTest, ASynDroppedByNftIsFollowedFromItsSenderToItsDrop)
{
	VethHosts hosts;
	drop_input_with_nft(hosts.server, "tcp dport 8081");
	const auto packets = follow(
		{"--netns", hosts.client.path(), "tcp dst port 8081"},
		[&] { tcp_connect_once(hosts.client, "10.61.0.1", "10.61.0.2", 8081, 0, false); },
		"drop");
	const std::vector<json> *syn = packet_ending_in(packets, "drop");
	ASSERT_NE(syn, nullptr) << "no packet ended in a drop";
	const json &end = syn->back();
	if (kernel_passes_drop_reasons()) {
		EXPECT_EQ(end["reason"], "NETFILTER_DROP");
	}
	const std::string location = end["location"];
	EXPECT_TRUE(location.rfind("nft_do_chain", 0) == 0 ||
		    location.rfind("nf_hook_slow", 0) == 0)
		<< location;
	ASSERT_TRUE(end.contains("stack"));
	EXPECT_NE(end["stack"].dump().find("nf_hook_slow"), std::string::npos) << end["stack"];

	// Seen first in the client, leaving on its device, then arriving on
	// the server's device, where it was dropped.
	EXPECT_TRUE(syn->front()["first"].get<bool>());
	EXPECT_EQ(syn->front()["netns"], hosts.client.inode());
	bool left = false, arrived = false;
	double since = 0;
	for (const json &r : *syn) {
		left |= r["netns"] == hosts.client.inode() &&
			r["ifname"] == hosts.veth.local_ifname;
		arrived |= r["netns"] == hosts.server.inode() &&
			   r["ifname"] == hosts.veth.peer_ifname &&
			   r["point"] == "net:netif_receive_skb";
		EXPECT_EQ(r["dport"], 8081) << r;
		EXPECT_GE(r["since_first_us"].get<double>(), since) << r;
		since = r["since_first_us"];
	}
	EXPECT_TRUE(left) << "no sighting on " << hosts.veth.local_ifname;
	EXPECT_TRUE(arrived) << "no sighting at net:netif_receive_skb on "
			     << hosts.veth.peer_ifname;
	EXPECT_EQ(end["netns"], hosts.server.inode());
}

TEST_F(SkbtraceTest, DnatShowsAsTheFollowedPacketsTupleChanging)
{
	VethHosts hosts;
	hosts.server.exec_checked("nft add table ip nat && nft add chain ip nat pre "
				  "'{ type nat hook prerouting priority -100; }' && "
				  "nft add rule ip nat pre tcp dport 8080 dnat to :9090");
	std::string err;
	// Nothing listens on 9090: the rewritten SYN is refused there.
	const auto packets = follow(
		{"--netns", hosts.client.path(), "tcp dst port 8080"},
		[&] { tcp_connect_once(hosts.client, "10.61.0.1", "10.61.0.2", 8080); }, "drop",
		&err);
	const std::vector<json> *syn = packet_ending_in(packets, "drop");
	ASSERT_NE(syn, nullptr) << "no packet ended in a drop\n" << err;
	EXPECT_EQ(syn->front()["dport"], 8080);
	EXPECT_EQ(syn->back()["dport"], 9090);
	if (kernel_passes_drop_reasons()) {
		EXPECT_EQ(syn->back()["reason"], "NO_SOCKET");
	}
	const json *received = first_at(*syn, "net:netif_receive_skb");
	ASSERT_NE(received, nullptr);
	EXPECT_EQ((*received)["dport"], 8080) << "NAT happens after the device";
	if (!functions_attached(err))
		return;
	// Where functions attach, the rewrite shows between them.
	const json *routed = first_at(*syn, "ip_rcv");
	const json *delivered = first_at(*syn, "tcp_v4_rcv");
	ASSERT_NE(routed, nullptr);
	ASSERT_NE(delivered, nullptr);
	EXPECT_EQ((*routed)["dport"], 8080);
	EXPECT_EQ((*delivered)["dport"], 9090);
}

TEST_F(SkbtraceTest, APacketRoutedThroughAThirdNamespaceIsSeenInEach)
{
	TestNetns sender, router, receiver;
	const VethPair in = sender.add_veth(router, {"10.62.1.1/24", ""}, {"10.62.1.2/24", ""});
	const VethPair out = router.add_veth(receiver, {"10.62.2.1/24", ""}, {"10.62.2.2/24", ""});
	sender.exec_checked("ip route add 10.62.2.0/24 via 10.62.1.2");
	receiver.exec_checked("ip route add 10.62.1.0/24 via 10.62.2.1");
	router.exec_checked("sysctl -qw net.ipv4.ip_forward=1");
	udp_to_closed_port(sender, "10.62.1.1", "10.62.2.2", 9);
	const auto packets = follow(
		{"--netns", sender.path(), "udp dst port 7001"},
		[&] { udp_to_closed_port(sender, "10.62.1.1", "10.62.2.2", 7001); }, "drop");
	const std::vector<json> *datagram = packet_ending_in(packets, "drop");
	ASSERT_NE(datagram, nullptr) << "no packet ended in a drop";
	// Where it was first seen, in order: the sender, the router on both its
	// devices, the receiver. (A device's net:net_dev_xmit fires once the
	// next namespace has the packet, so later sightings go back.)
	std::vector<std::string> path;
	for (const json &r : *datagram) {
		std::string where = r["netns"] == sender.inode()     ? "sender"
				    : r["netns"] == receiver.inode() ? "receiver"
				    : r["netns"] == router.inode()   ? "router"
								     : "elsewhere";
		if (where == "router")
			where += r["ifname"] == in.peer_ifname     ? " in"
				 : r["ifname"] == out.local_ifname ? " out"
								   : " ?";
		if (std::find(path.begin(), path.end(), where) == path.end())
			path.push_back(where);
	}
	const std::vector<std::string> expected = {"sender", "router in", "router out", "receiver"};
	EXPECT_EQ(path, expected) << datagram->size() << " sightings";
	if (kernel_passes_drop_reasons()) {
		EXPECT_EQ(datagram->back()["reason"], "NO_SOCKET");
	}
}

TEST_F(SkbtraceTest, ADatagramReadByItsSocketEndsWithoutADrop)
{
	VethHosts hosts;
	const Datagrams datagrams(hosts, 7004);
	const int server = datagrams.server, client = datagrams.client;
	sockaddr_in to = datagrams.to;
	std::string err;
	// Its end may pass no point this kernel shows: then it is given up
	// on after --idle, and said so, never called a drop.
	const auto packets = follow(
		{"--netns", hosts.client.path(), "--idle", "1", "udp dst port 7004"},
		[&] {
			char buf[8] = "ping";
			ASSERT_EQ(sendto(client, buf, 4, 0, reinterpret_cast<sockaddr *>(&to),
					 sizeof(to)),
				  4);
			ASSERT_EQ(recv(server, buf, sizeof(buf), 0), 4);
		},
		"", &err);
	ASSERT_EQ(packets.size(), 1u) << err;
	const json &end = packets.begin()->second.back();
	ASSERT_EQ(end["type"], "end") << end;
	EXPECT_NE(end["end"], "drop") << end;
	EXPECT_NE(first_at(packets.begin()->second, "net:netif_receive_skb"), nullptr);
}

// A sniffer on the receiving device (a packet socket, as tcpdump's
// without its ring) gets a clone of each packet: the clone is followed as
// a packet of its own, named as the datagram's copy, to its own end.
TEST_F(SkbtraceTest, ACloneForAPacketSocketIsFollowedAsACopyToItsOwnEnd)
{
	VethHosts hosts;
	const Datagrams datagrams(hosts, 7005);
	const int sniffer = hosts.server.socket_in(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	sockaddr_ll on{};
	on.sll_family = AF_PACKET;
	on.sll_protocol = htons(ETH_P_ALL);
	hosts.server.run_in(
		[&] { on.sll_ifindex = if_nametoindex(hosts.veth.peer_ifname.c_str()); });
	ASSERT_EQ(bind(sniffer, reinterpret_cast<sockaddr *>(&on), sizeof(on)), 0);
	const timeval patience{5, 0};
	ASSERT_EQ(setsockopt(sniffer, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof(patience)), 0);
	sockaddr_in to = datagrams.to;
	std::string err;
	const auto packets = follow(
		{"--netns", hosts.client.path(), "--idle", "1", "udp dst port 7005"},
		[&] {
			char buf[2048] = "ping";
			ASSERT_EQ(sendto(datagrams.client, buf, 4, 0,
					 reinterpret_cast<sockaddr *>(&to), sizeof(to)),
				  4);
			ASSERT_EQ(recv(datagrams.server, buf, sizeof(buf), 0), 4);
			// The sniffer's copy: frames the test's own traffic made,
			// until the datagram's.
			for (int i = 0; i < 8; ++i) {
				const ssize_t n = recv(sniffer, buf, sizeof(buf), 0);
				ASSERT_GT(n, 0);
				if (n >= 14 + 20 + 8 + 4 && buf[14 + 9] == IPPROTO_UDP &&
				    ntohs(*reinterpret_cast<std::uint16_t *>(buf + 14 + 22)) ==
					    7005)
					break;
			}
		},
		// Every end happened before the traffic returned: skbtrace
		// reads them all before it stops. (Where only tracepoints
		// attach, the datagram's comes after --idle.)
		"", &err);
	close(sniffer);
	if (!functions_attached(err))
		GTEST_SKIP() << "copies are made in kernel functions, and none attaches here";
	ASSERT_NE(err.find("and the copies made of them"), std::string::npos) << err;
	// The copy made on the receiver (the sender may copy too, while it
	// resolves its neighbour).
	const std::vector<json> *copy = nullptr;
	std::uint64_t datagram = 0;
	for (const auto &[id, records] : packets)
		if (records.front().value("point_kind", "") == "copy" &&
		    records.front()["netns"] == hosts.server.inode()) {
			copy = &records;
			datagram = records.front().value("copy_of", 0u);
		}
	ASSERT_NE(copy, nullptr) << "no copy followed on the receiver\n" << err;
	EXPECT_EQ(copy->front()["point"], "skb_clone");
	EXPECT_EQ(copy->front()["dport"], 7005);
	ASSERT_EQ(packets.count(datagram), 1u) << "the copy names no followed packet";
	EXPECT_NE(first_at(packets.at(datagram), "skb_clone"), nullptr)
		<< "the datagram is not seen where it was copied";
	// The sniffer read it: consumed, never a drop.
	EXPECT_EQ(copy->back()["type"], "end");
	EXPECT_EQ(copy->back()["end"], "consume") << copy->back();
}

TEST_F(SkbtraceTest, PacketsBeyondMaxPacketsAreCountedAndSaid)
{
	VethHosts hosts;
	// Datagrams queued on a socket nobody reads stay alive, and followed.
	const Datagrams datagrams(hosts, 7003);
	const int client = datagrams.client;
	sockaddr_in to = datagrams.to;
	SkbtraceRun run({"--netns", hosts.client.path(), "--max-packets", "2", "--idle", "60",
			 "--points", test_points, "--json", "udp dst port 7003"});
	for (int i = 0; i < 5; ++i) {
		char buf[8] = "queued";
		ASSERT_EQ(sendto(client, buf, 6, 0, reinterpret_cast<sockaddr *>(&to), sizeof(to)),
			  6);
	}
	EXPECT_TRUE(run.wait_for("3 matching packets not followed", std::chrono::seconds(10), true))
		<< run.err();
	const ProcessResult r = run.stop();
	EXPECT_NE(r.err.find("nettrace skbtrace: 3 matching packets in total not followed: "
			     "--max-packets 2 were followed already\n"),
		  std::string::npos)
		<< r.err;
	const auto packets = records_by_packet(parse_json_lines(r.out));
	EXPECT_EQ(packets.size(), 2u);
	for (const auto &[id, records] : packets)
		EXPECT_EQ(records.back()["end"], "still followed when nettrace stopped");
}

// The fields tshark shows of each sighting in a capture, one row each.
std::vector<std::vector<std::string>> tshark_fields(const std::string &file,
						    const std::vector<std::string> &fields)
{
	std::vector<std::string> argv = {"tshark", "-r",           file, "-T",          "fields",
					 "-E",     "separator=\t", "-E", "occurrence=f"};
	for (const std::string &f : fields)
		argv.insert(argv.end(), {"-e", f});
	const ProcessResult r = run_process(argv);
	EXPECT_EQ(r.exit_code, 0) << r.err;
	std::vector<std::vector<std::string>> rows;
	std::istringstream lines(r.out);
	for (std::string line; std::getline(lines, line);) {
		std::vector<std::string> row;
		std::istringstream cells(line);
		for (std::string cell; std::getline(cells, cell, '\t');)
			row.push_back(cell);
		row.resize(fields.size());
		rows.push_back(row);
	}
	return rows;
}

TEST_F(SkbtraceTest, EverySightingIsInTheCaptureUnderItsPacketsId)
{
	VethHosts hosts;
	drop_input_with_nft(hosts.server, "tcp dport 8082");
	TempFile capture;
	const auto packets = follow(
		{"--netns", hosts.client.path(), "-w", capture.path, "tcp dst port 8082"},
		[&] { tcp_connect_once(hosts.client, "10.61.0.1", "10.61.0.2", 8082, 0, false); },
		"drop");
	const std::vector<json> *syn = packet_ending_in(packets, "drop");
	ASSERT_NE(syn, nullptr) << "no packet ended in a drop";
	const auto rows = tshark_fields(capture.path, {"frame.packet_id", "frame.comment",
						       "frame.interface_name", "tcp.dstport"});
	// Every sighting of every packet, in the order printed.
	std::size_t sightings = 0;
	for (const auto &[id, records] : packets)
		sightings += records.size();
	ASSERT_EQ(rows.size(), sightings);
	std::vector<std::vector<std::string>> of_syn;
	for (const auto &row : rows) {
		EXPECT_EQ(row[3], "8082") << row[1];
		if (row[0] == std::to_string((*syn)[0]["packet"].get<std::uint64_t>()))
			of_syn.push_back(row);
	}
	ASSERT_EQ(of_syn.size(), syn->size());
	for (std::size_t i = 0; i < syn->size(); ++i)
		EXPECT_EQ(of_syn[i][1].substr(0, of_syn[i][1].find(';')),
			  (*syn)[i]["point"].get<std::string>());
	EXPECT_EQ(of_syn.back()[1].rfind("skb:kfree_skb; drop", 0), 0u) << of_syn.back()[1];
	std::set<std::string> interfaces;
	for (const auto &row : of_syn)
		interfaces.insert(row[2]);
	EXPECT_TRUE(interfaces.count(hosts.veth.local_ifname + "@" + hosts.client.name()))
		<< ::testing::PrintToString(interfaces);
	EXPECT_TRUE(interfaces.count(hosts.veth.peer_ifname + "@" + hosts.server.name()))
		<< ::testing::PrintToString(interfaces);
}

// What attached, in the header: the mechanism doctor finds working, and
// each one tried before it with doctor's words for why it failed.
TEST_F(SkbtraceTest, TheHeaderSaysHowFunctionsAttachedAndWhatIsMissing)
{
	const ProcessResult doctor = run_process({nettrace_binary(), "doctor", "--json"});
	std::map<std::string, std::string> status;
	const json report = json::parse(doctor.out);
	for (const json &check : report["checks"])
		status[check["name"]] = check["status"];
	std::vector<std::string> failed;
	std::string by;
	// Its fentry copies need bpf_get_func_ip, which came with 5.15.
	utsname host{};
	uname(&host);
	unsigned major = 0, minor = 0;
	std::sscanf(host.release, "%u.%u", &major, &minor);
	if (major < 5 || (major == 5 && minor < 15))
		status["fentry"] = "needs 5.15";
	for (const char *kind : {"kprobe.multi", "fentry", "kprobe"}) {
		if (status[kind] == "ok") {
			by = kind;
			break;
		}
		failed.push_back(kind);
	}
	SkbtraceRun run({"--points", "ip_rcv*,ip_local_deliver*,net:netif_receive_skb",
			 "--duration", "60", "udp dst port 7002"});
	const ProcessResult r = run.stop();
	for (const std::string &kind : failed)
		EXPECT_NE(r.err.find("nettrace skbtrace: functions not attached: " + kind + ": "),
			  std::string::npos)
			<< kind << "\n"
			<< r.err;
	if (by.empty()) {
		EXPECT_NE(r.err.find("attached 3 tracepoints and no kernel function (tracepoints "
				     "only)"),
			  std::string::npos)
			<< r.err;
		return;
	}
	EXPECT_NE(r.err.find("kernel functions by " + by), std::string::npos) << r.err;
	EXPECT_EQ(r.err.find("ends that pass no tracepoint are not seen"), std::string::npos)
		<< "the free functions attach with the rest\n"
		<< r.err;
}

TEST_F(SkbtraceTest, AForcedMechanismThatCannotAttachIsOneLineAndExitOne)
{
	const ProcessResult doctor = run_process({nettrace_binary(), "doctor", "--json"});
	std::string missing;
	const json report = json::parse(doctor.out);
	for (const json &check : report["checks"])
		if (check["name"] == "kprobe" && check["status"] != "ok")
			missing = "kprobe";
	if (missing.empty())
		GTEST_SKIP() << "kprobes attach here; the failure needs a kernel without";
	const int links = count_bpf_links();
	const ProcessResult r = run_process(
		{nettrace_binary(), "skbtrace", "--attach", "kprobe", "--points", "ip_rcv"});
	EXPECT_EQ(r.exit_code, 1) << r.err;
	EXPECT_EQ(r.err.rfind("nettrace skbtrace: --attach kprobe: no function could be attached "
			      "(kprobe: ",
			      0),
		  0u)
		<< r.err;
	EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
	EXPECT_EQ(count_bpf_links(), links);
}

TEST_F(SkbtraceTest, ListPointsNamesTracepointsAndFunctionsThatTakeAPacket)
{
	const ProcessResult r =
		run_process({nettrace_binary(), "skbtrace", "--list-points", "--json"});
	ASSERT_EQ(r.exit_code, 0) << r.err;
	std::map<std::string, json> points;
	for (const json &p : parse_json_lines(r.out))
		points[p["name"]] = p;
	ASSERT_TRUE(points.count("skb:kfree_skb"));
	EXPECT_EQ(points["skb:kfree_skb"]["status"], "followed (the end)");
	ASSERT_TRUE(points.count("net:netif_receive_skb"));
	EXPECT_EQ(points["net:netif_receive_skb"]["status"], "followed");
	ASSERT_TRUE(points.count("ip_rcv"));
	EXPECT_EQ(points["ip_rcv"]["kind"], "function");
	EXPECT_EQ(points["ip_rcv"]["argument"], 0);
	ASSERT_TRUE(points.count("ip_rcv_finish"));
	EXPECT_EQ(points["ip_rcv_finish"]["argument"], 2); // (net, sk, skb)
	EXPECT_FALSE(points.count("__bpf_trace_kfree_skb")) << "the tracing machinery's own";
}

TEST_F(SkbtraceTest, BadOptionsAreOneLineAndExitTwo)
{
	expect_usage_errors(
		"skbtrace",
		{
			{{"--max-packets", "0"}, "--max-packets: '0' is not a whole number from 1"},
			{{"--max-packets", "65537"}, "--max-packets: 65537 is more than 65536"},
			{{"--attach", "uprobe"}, "--attach: unknown value 'uprobe'"},
			{{"--points", ""}, "--points: an empty name in the list"},
			{{"--points", "ip_rcv,,x"}, "--points: an empty name in the list"},
			{{"--points", "no_such_function_*"},
			 "--points: 'no_such_function_*' names no tracepoint or function"},
			{{"--idle", "0"}, "--idle: '0' is out of range"},
			{{"-p", "nosuch"}, "nosuch"},
			{{"--snaplen", "64"}, "--snaplen: only with -w"},
			{{"-w", "/tmp/x.pcapng", "--snaplen", "257"},
			 "--snaplen: 257 is more than a record carries (at most 256)"},
			{{"udp and"},
			 "filter expression: can't parse filter expression: syntax error"},
		});
}

} // namespace
