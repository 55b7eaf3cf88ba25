// SPDX-License-Identifier: MIT
// nettrace tcpdrop -w: real drops in namespaces this test makes, written
// as pcapng and read back by Wireshark's own tools (tshark, capinfos,
// editcap), compared with the JSON of the same run.
#include "netns.hpp"
#include "process.hpp"
#include "requirements.hpp"
#include "tcpdrop_run.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

using namespace nettrace::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// The fields tshark shows of each packet, one row per packet.
const std::vector<std::string> kFields = {
	"frame.comment",
	"frame.interface_name",
	"frame.packet_flags_direction",
	"frame.packet_id",
	"frame.len",
	"frame.cap_len",
	"eth.type",
	"ip.src",
	"ip.dst",
	"ipv6.src",
	"ipv6.dst",
	"tcp.srcport",
	"tcp.dstport",
	"tcp.flags",
	"frame.time_epoch",
	"frame.drop_count",
};

using Row = std::map<std::string, std::string>;

std::vector<Row> tshark_rows(const std::string &file, const std::string &display_filter = "")
{
	std::vector<std::string> argv = {"tshark", "-r",           file, "-T",          "fields",
					 "-E",     "separator=\t", "-E", "occurrence=f"};
	for (const auto &f : kFields)
		argv.insert(argv.end(), {"-e", f});
	if (!display_filter.empty())
		argv.insert(argv.end(), {"-Y", display_filter});
	const ProcessResult r = run_process(argv);
	EXPECT_EQ(r.exit_code, 0) << r.err;
	std::vector<Row> rows;
	std::istringstream lines(r.out);
	for (std::string line; std::getline(lines, line);) {
		Row row;
		std::size_t start = 0;
		for (const auto &f : kFields) {
			const std::size_t tab = line.find('\t', start);
			row[f] = line.substr(start, tab == std::string::npos ? std::string::npos
									     : tab - start);
			start = tab == std::string::npos ? line.size() : tab + 1;
		}
		rows.push_back(std::move(row));
	}
	return rows;
}

std::vector<json> drops_of(const std::string &out)
{
	std::vector<json> drops;
	for (json &record : parse_json_lines(out))
		if (record.value("type", "") == "drop")
			drops.push_back(std::move(record));
	return drops;
}

// capinfos' count of packets, -1 if it refuses the file.
long capinfos_packets(const std::string &file)
{
	const ProcessResult r = run_process({"capinfos", "-M", "-c", file});
	EXPECT_EQ(r.exit_code, 0) << r.err;
	const std::regex count(R"(Number of packets:\s+(\d+))");
	std::smatch m;
	if (r.exit_code != 0 || !std::regex_search(r.out, m, count))
		return -1;
	return std::stol(m[1]);
}

// The options of every Interface Statistics Block: (isb_ifrecv,
// isb_osdrop, isb_usrdeliv) per interface, read from the file's bytes
// (tshark shows no statistics block).
struct Statistics {
	std::uint64_t received = 0, os_dropped = 0, delivered = 0;
	int blocks = 0;
};

Statistics statistics_of(const std::string &file)
{
	std::ifstream in(file, std::ios::binary);
	const std::string bytes((std::istreambuf_iterator<char>(in)), {});
	Statistics total;
	auto u32 = [&](std::size_t at) {
		std::uint32_t v = 0;
		if (at + 4 <= bytes.size())
			std::memcpy(&v, bytes.data() + at, 4);
		return v;
	};
	for (std::size_t at = 0; at + 12 <= bytes.size();) {
		const std::uint32_t type = u32(at), length = u32(at + 4);
		if (length < 12 || length % 4)
			break;
		if (type == 5) {
			++total.blocks;
			for (std::size_t o = at + 20; o + 4 <= at + length - 4;) {
				const std::uint16_t code = u32(o) & 0xffff, size = u32(o) >> 16;
				if (code == 0)
					break;
				std::uint64_t value = 0;
				if (size == 8)
					std::memcpy(&value, bytes.data() + o + 4, 8);
				if (code == 4)
					total.received += value;
				else if (code == 7)
					total.os_dropped += value;
				else if (code == 8)
					total.delivered += value;
				o += 4 + ((size + 3u) & ~3u);
			}
		}
		at += length;
	}
	return total;
}

// What the comment must say of the JSON record of the same drop.
std::string expected_comment(const json &drop)
{
	const std::string reason =
		drop["reason"].is_null() ? std::string("- (-)")
					 : fmt::format("{} ({})", drop["reason"].get<std::string>(),
						       drop["reason_code"].get<unsigned>());
	return fmt::format("reason {}; location {}; state {}; pid {}; comm {}", reason,
			   drop["location"].get<std::string>(),
			   drop["state"].is_null() ? "-" : drop["state"].get<std::string>(),
			   drop["pid"].get<int>(), drop["comm"].get<std::string>());
}

// Each packet's row agrees with the JSON record of the same drop: the
// comment, addresses, ports, flags and time.
void expect_rows_match_json(const std::vector<Row> &rows, const std::vector<json> &drops)
{
	ASSERT_EQ(rows.size(), drops.size());
	for (std::size_t i = 0; i < rows.size(); ++i) {
		const Row &row = rows[i];
		const json &d = drops[i];
		SCOPED_TRACE(d.dump());
		EXPECT_EQ(row.at("frame.comment"), expected_comment(d));
		const bool v6 = d["ip"] == 6;
		EXPECT_EQ(row.at(v6 ? "ipv6.src" : "ip.src"), d["saddr"].get<std::string>());
		EXPECT_EQ(row.at(v6 ? "ipv6.dst" : "ip.dst"), d["daddr"].get<std::string>());
		EXPECT_EQ(row.at("tcp.srcport"), std::to_string(d["sport"].get<int>()));
		EXPECT_EQ(row.at("tcp.dstport"), std::to_string(d["dport"].get<int>()));
		EXPECT_EQ(row.at("frame.packet_id"), std::to_string(i + 1));
		// The same moment to the nanosecond: "2026-...T10:00:01.123456789Z"
		// against "1796..01.123456789".
		const std::string time = d["time"].get<std::string>();
		const std::string fraction = time.substr(time.find('.') + 1, 9);
		EXPECT_EQ(
			row.at("frame.time_epoch").substr(row.at("frame.time_epoch").find('.') + 1),
			fraction);
		// Byte 13 of the TCP header, as the JSON names its bits.
		const std::vector<std::string> names = {"FIN", "SYN", "RST", "PSH",
							"ACK", "URG", "ECE", "CWR"};
		unsigned bits = 0;
		for (const auto &flag : d["flags"])
			bits |= 1u << (std::find(names.begin(), names.end(), flag) - names.begin());
		EXPECT_EQ(std::stoul(row.at("tcp.flags"), nullptr, 16) & 0xff, bits);
	}
}

class TcpdropPcapngTest : public ::testing::Test {
protected:
	void SetUp() override { NETTRACE_REQUIRE_BPF(); }
};

} // namespace

// SYNs to closed ports on loopback, IPv4 and IPv6: received on lo, whose
// link header is an Ethernet header, so the capture starts there.
TEST_F(TcpdropPcapngTest, LoopbackDropsMatchTheJsonOfTheSameRun)
{
	TestNetns ns;
	TempFile capture;
	TcpdropRun run({"--netns", ns.path(), "-w", capture.path, "-c", "4"}, true);
	std::vector<std::uint16_t> sports;
	sports.push_back(tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7601));
	sports.push_back(tcp_connect_once(ns, "::1", "::1", 7602));
	sports.push_back(tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7603));
	sports.push_back(tcp_connect_once(ns, "::1", "::1", 7604));
	const ProcessResult r = run.finish();
	ASSERT_EQ(r.exit_code, 0) << r.err;
	const std::vector<json> drops = drops_of(r.out);
	ASSERT_EQ(drops.size(), 4u) << r.out;

	const std::vector<Row> rows = tshark_rows(capture.path);
	expect_rows_match_json(rows, drops);
	for (std::size_t i = 0; i < rows.size(); ++i) {
		const Row &row = rows[i];
		EXPECT_EQ(row.at("frame.interface_name"), "lo@" + ns.name());
		EXPECT_EQ(row.at("frame.packet_flags_direction"), "0x00000001") << "not inbound";
		EXPECT_EQ(row.at("eth.type"), i % 2 ? "0x86dd" : "0x0800");
		EXPECT_EQ(row.at("tcp.srcport"), std::to_string(sports[i]));
		EXPECT_TRUE(row.at("frame.drop_count").empty()) << "nothing was lost";
		// A SYN is shorter than the default snaplen: all of it.
		EXPECT_EQ(row.at("frame.len"), row.at("frame.cap_len"));
	}
	EXPECT_EQ(capinfos_packets(capture.path), 4);
	const Statistics stats = statistics_of(capture.path);
	EXPECT_EQ(stats.blocks, 1);
	EXPECT_EQ(stats.delivered, 4u);
	EXPECT_EQ(stats.received, 4u);
	EXPECT_EQ(stats.os_dropped, 0u);

	// One link type: editcap writes it as the older pcap format too, and
	// back, without losing a packet.
	TempFile as_pcap, back;
	const ProcessResult to_pcap =
		run_process({"editcap", "-F", "pcap", capture.path, as_pcap.path});
	ASSERT_EQ(to_pcap.exit_code, 0) << to_pcap.err;
	EXPECT_EQ(capinfos_packets(as_pcap.path), 4);
	const ProcessResult to_pcapng =
		run_process({"editcap", "-F", "pcapng", as_pcap.path, back.path});
	ASSERT_EQ(to_pcapng.exit_code, 0) << to_pcapng.err;
	EXPECT_EQ(capinfos_packets(back.path), 4);
}

// Across a veth pair: a SYN-ACK the client's firewall drops on the way in
// (Ethernet, inbound), and a SYN its firewall drops on the way out, before
// any device or link header (IP header, outbound).
TEST_F(TcpdropPcapngTest, VethDropsInBothDirectionsIPv4AndIPv6)
{
	TestNetns server, client;
	const VethPair veth = server.add_veth(client, {"10.200.7.1/24", "fd00:207::1/64"},
					      {"10.200.7.2/24", "fd00:207::2/64"});
	for (const auto &[family, addr] : {std::pair{AF_INET, std::string("10.200.7.1")},
					   {AF_INET6, std::string("fd00:207::1")}}) {
		const int listener = server.socket_in(family, SOCK_STREAM);
		sockaddr_storage ss{};
		socklen_t len;
		if (family == AF_INET) {
			auto *a = reinterpret_cast<sockaddr_in *>(&ss);
			a->sin_family = AF_INET;
			a->sin_port = htons(7610);
			inet_pton(AF_INET, addr.c_str(), &a->sin_addr);
			len = sizeof(sockaddr_in);
		} else {
			auto *a = reinterpret_cast<sockaddr_in6 *>(&ss);
			a->sin6_family = AF_INET6;
			a->sin6_port = htons(7610);
			inet_pton(AF_INET6, addr.c_str(), &a->sin6_addr);
			len = sizeof(sockaddr_in6);
		}
		ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr *>(&ss), len), 0);
		ASSERT_EQ(listen(listener, 8), 0);
	}
	drop_input_with_nft(client, "tcp sport 7610 tcp flags syn,ack");
	client.exec_checked("nft add chain inet nttest output "
			    "'{ type filter hook output priority 0; }' && "
			    "nft add rule inet nttest output tcp dport 7611 drop");

	TempFile capture;
	TcpdropRun run({"--netns", client.path(), "-w", capture.path, "-c", "4", "--no-stack"},
		       true);
	tcp_connect_once(client, "10.200.7.2", "10.200.7.1", 7610, 0, false);
	tcp_connect_once(client, "fd00:207::2", "fd00:207::1", 7610, 0, false);
	tcp_connect_once(client, "10.200.7.2", "10.200.7.1", 7611, 0, false);
	tcp_connect_once(client, "fd00:207::2", "fd00:207::1", 7611, 0, false);
	const ProcessResult r = run.finish();
	ASSERT_EQ(r.exit_code, 0) << r.err;
	const std::vector<json> drops = drops_of(r.out);
	ASSERT_EQ(drops.size(), 4u) << r.out;
	const std::vector<Row> rows = tshark_rows(capture.path);
	expect_rows_match_json(rows, drops);
	for (std::size_t i = 0; i < rows.size(); ++i) {
		const Row &row = rows[i];
		const json &d = drops[i];
		SCOPED_TRACE(d.dump());
		if (d["sport"] == 7610) {
			EXPECT_EQ(row.at("frame.packet_flags_direction"), "0x00000001")
				<< "not inbound";
			EXPECT_EQ(row.at("frame.interface_name"),
				  veth.peer_ifname + "@" + client.name());
			EXPECT_FALSE(row.at("eth.type").empty()) << "no Ethernet header";
		} else {
			EXPECT_EQ(d["dport"], 7611);
			EXPECT_EQ(row.at("frame.packet_flags_direction"), "0x00000002")
				<< "not outbound";
			EXPECT_TRUE(row.at("eth.type").empty())
				<< "an Ethernet header out of nowhere";
		}
	}
	EXPECT_EQ(capinfos_packets(capture.path), 4);
}

// --snaplen keeps that many bytes, and the packet's length stays whole:
// frame.len is the IP length and the link header.
TEST_F(TcpdropPcapngTest, SnaplenCutsThePacketNotItsLength)
{
	TestNetns ns;
	TempFile capture;
	TcpdropRun run({"--netns", ns.path(), "-w", capture.path, "--snaplen", "40", "-c", "2"},
		       true);
	tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7621);
	tcp_connect_once(ns, "::1", "::1", 7622);
	ASSERT_EQ(run.finish().exit_code, 0);
	const ProcessResult r = run_process({"tshark", "-r", capture.path, "-T", "fields", "-e",
					     "frame.len", "-e", "frame.cap_len"});
	ASSERT_EQ(r.exit_code, 0) << r.err;
	// IPv4 SYN: 14 + 20 + 40 (TCP with options); IPv6: 14 + 40 + 40.
	EXPECT_EQ(r.out, "74\t40\n94\t40\n");
}

// -w -: the capture streams through a pipe, and tshark shows each packet
// while tcpdrop still runs, not only once it has ended.
TEST_F(TcpdropPcapngTest, StreamedCaptureShowsPacketsAsTheyCome)
{
	TestNetns ns;
	const std::string command =
		fmt::format("'{}' tcpdrop --netns '{}' -w - -c 2 | tshark -l -r - -T fields -e "
			    "tcp.dstport -e frame.comment",
			    nettrace_binary(), ns.path());
	BackgroundProcess pipeline({"sh", "-c", command});
	ASSERT_TRUE(pipeline.wait_for("nettrace tcpdrop: attached", 20s, true)) << pipeline.err();
	tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7631);
	// tcpdrop waits for a second drop, so it is still running.
	EXPECT_TRUE(pipeline.wait_for("7631\treason ", 10s)) << pipeline.out() << pipeline.err();
	tcp_connect_once(ns, "::1", "::1", 7632);
	const ProcessResult r = pipeline.finish();
	EXPECT_EQ(r.exit_code, 0) << r.err;
	EXPECT_NE(r.out.find("7632\treason "), std::string::npos) << r.out;
	// Nothing but the capture went into the pipe: no header, no record.
	EXPECT_EQ(r.out.find("TIME"), std::string::npos) << r.out;
}

// Text still goes to standard output with -w FILE, and a file that was
// there is overwritten, as tcpdump does.
TEST_F(TcpdropPcapngTest, TextStaysOnStdoutAndAnOldFileIsOverwritten)
{
	TestNetns ns;
	TempFile capture;
	{
		std::ofstream old(capture.path);
		old << std::string(100000, 'x');
	}
	TcpdropRun run({"--netns", ns.path(), "-w", capture.path, "-c", "1"});
	tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7641);
	const ProcessResult r = run.finish();
	ASSERT_EQ(r.exit_code, 0) << r.err;
	EXPECT_NE(r.out.find("127.0.0.1:7641"), std::string::npos) << r.out;
	EXPECT_EQ(capinfos_packets(capture.path), 1);
	EXPECT_EQ(capture.read().find("xxxx"), std::string::npos);
}

// Events the ring could not hold are where pcapng keeps them: on the next
// packet (epb_dropcount) and in the statistics at the end; with the
// packets written they add up to every drop made.
TEST_F(TcpdropPcapngTest, StormEveryDropIsWrittenOrCountedLost)
{
	TestNetns ns;
	constexpr int generated = 100000;
	TempFile capture, out_file;
	TcpdropRun run({"--netns", ns.path(), "-D", "7650", "-w", capture.path, "--no-stack"}, true,
		       out_file.path);
	tcp_syn_storm(ns, 41650, 7650, generated);
	const ProcessResult r = run.stop();
	const long packets = capinfos_packets(capture.path);
	const Statistics stats = statistics_of(capture.path);
	std::uint64_t lost = 0;
	const std::regex lost_line(R"(nettrace tcpdrop: (\d+) events lost in total)");
	std::smatch m;
	if (std::regex_search(r.err, m, lost_line))
		lost = std::stoull(m[1]);
	EXPECT_EQ(static_cast<std::uint64_t>(packets) + lost, static_cast<std::uint64_t>(generated))
		<< "written " << packets << ", lost " << lost;
	EXPECT_EQ(stats.delivered, static_cast<std::uint64_t>(packets));
	EXPECT_EQ(stats.os_dropped, lost);
	EXPECT_EQ(stats.received, static_cast<std::uint64_t>(generated));
	// The drop counts on packets say no more than was lost in all.
	std::uint64_t counted_on_packets = 0;
	for (const Row &row : tshark_rows(capture.path, "frame.drop_count"))
		counted_on_packets += std::stoull(row.at("frame.drop_count"));
	EXPECT_LE(counted_on_packets, lost);
	RecordProperty("written", static_cast<int>(packets));
	RecordProperty("lost", static_cast<int>(lost));
}

// Where the capture cannot go: one line, exit 1, before anything is
// attached. Without kernel BTF (a tmpfs over /sys/kernel/btf, in a mount
// namespace gone with it) nothing could attach, and the path is still
// what is reported: it was looked at before the kernel was.
TEST_F(TcpdropPcapngTest, AnUnwritablePathExits1BeforeAttaching)
{
	TempDir dir;
	for (const std::string &path : {dir.path, dir.path + "/missing/capture.pcapng"}) {
		for (const bool without_btf : {false, true}) {
			SCOPED_TRACE(path + (without_btf ? ", without BTF" : ""));
			std::vector<std::string> argv = {nettrace_binary(), "tcpdrop", "-v", "-w",
							 path};
			if (without_btf)
				argv.insert(
					argv.begin(),
					{"unshare", "--mount", "--propagation", "private", "sh",
					 "-c",
					 "mount -t tmpfs nettrace-test /sys/kernel/btf && exec \"$@\"",
					 "sh"});
			const ProcessResult r = run_process(argv, {"NETTRACE_CACHE_DIR="});
			EXPECT_EQ(r.exit_code, 1);
			EXPECT_TRUE(r.out.empty()) << r.out;
			EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
			EXPECT_NE(r.err.find("nettrace tcpdrop: -w: cannot write '" + path + "'"),
				  std::string::npos)
				<< r.err;
		}
	}
}

// A capture that cannot be written out (a full disk) is exit 1 with one
// line naming the capture, not standard output, which is fine.
TEST_F(TcpdropPcapngTest, AFullDiskIsExit1NamingTheCapture)
{
	const ProcessResult r =
		run_process({nettrace_binary(), "tcpdrop", "-w", "/dev/full", "--duration", "0.3"});
	EXPECT_EQ(r.exit_code, 1);
	// The last line; a kernel without drop reason names (before 5.17)
	// adds a warning before it.
	const std::string error =
		"nettrace tcpdrop: -w: cannot write the capture: No space left on device\n";
	ASSERT_GE(r.err.size(), error.size()) << r.err;
	EXPECT_EQ(r.err.substr(r.err.size() - error.size()), error) << r.err;
	EXPECT_EQ(r.err.find("cannot write the output"), std::string::npos) << r.err;
	EXPECT_EQ(r.err.find(": -w: "),
		  r.err.size() - error.size() + std::strlen("nettrace tcpdrop"))
		<< "said more than once: " << r.err;
	EXPECT_EQ(r.out.rfind("TIME ", 0), 0u) << r.out;
}

TEST_F(TcpdropPcapngTest, SnaplenOutOfRangeExits2WithOneLine)
{
	expect_usage_errors(
		"tcpdrop", {
				   {{"-w", "/dev/null", "--snaplen", "0"},
				    "--snaplen: '0' is not a whole number from 1"},
				   {{"-w", "/dev/null", "--snaplen", "1025"},
				    "--snaplen: 1025 is more than a record carries (at most 1024)"},
				   {{"--snaplen", "64"}, "--snaplen: only with -w"},
			   });
}
