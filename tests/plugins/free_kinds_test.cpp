// SPDX-License-Identifier: MIT
// Frees that lose no packet (a closing TCP socket's queue purge, the
// copies a packet or raw socket held) against real drops: real TCP
// connections over a veth pair between two namespaces this test makes,
// the real tcpdrop and skbstat binaries' output parsed.
#include "netns.hpp"
#include "process.hpp"
#include "requirements.hpp"
#include "skbstat_run.hpp"
#include "tcpdrop_run.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <cstring>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/sockios.h>
#include <map>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace nettrace::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Addresses and a port of this test process's own, so that runs of it on
// the same machine (tracing sees every namespace) never see each other's.
struct Net {
	std::string server, client, subnet;
	std::uint16_t port;
};

Net own_net()
{
	const unsigned n = static_cast<unsigned>(getpid());
	const std::string prefix = "10.201." + std::to_string(n % 250 + 1) + ".";
	return {prefix + "1", prefix + "2", prefix + "0/24",
		static_cast<std::uint16_t>(20000 + n % 20000)};
}

sockaddr_in address(const std::string &ip, std::uint16_t port)
{
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
	return a;
}

// Receive checksums off on `ifname` in `ns` (ethtool -K IF rx off): a
// veth otherwise marks what it receives as checksummed already.
void receive_checksums_off(const TestNetns &ns, const std::string &ifname)
{
	ns.run_in([&] {
		const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		ethtool_value value{ETHTOOL_SRXCSUM, 0};
		ifreq ifr{};
		std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
		ifr.ifr_data = reinterpret_cast<char *>(&value);
		const int rc = ioctl(fd, SIOCETHTOOL, &ifr);
		const int err = errno;
		close(fd);
		if (rc != 0)
			throw std::runtime_error(std::string("ETHTOOL_SRXCSUM: ") +
						 std::strerror(err));
	});
}

// One SYN with a wrong TCP checksum, written with a raw socket: the
// receiver drops it as TCP_CSUM.
void syn_with_bad_checksum(const TestNetns &ns, const Net &net, std::uint16_t dport)
{
	struct Packet {
		iphdr ip;
		tcphdr tcp;
	} __attribute__((packed)) p{};
	p.ip.version = 4;
	p.ip.ihl = 5;
	p.ip.ttl = 64;
	p.ip.protocol = IPPROTO_TCP;
	p.ip.tot_len = htons(sizeof(p));
	inet_pton(AF_INET, net.client.c_str(), &p.ip.saddr);
	inet_pton(AF_INET, net.server.c_str(), &p.ip.daddr);
	p.tcp.source = htons(40001);
	p.tcp.dest = htons(dport);
	p.tcp.seq = htonl(1);
	p.tcp.doff = 5;
	p.tcp.syn = 1;
	p.tcp.window = htons(1024);
	p.tcp.check = htons(0xdead); // any fixed value: this one is not the sum
	const int fd = ns.socket_in(AF_INET, SOCK_RAW, IPPROTO_RAW);
	const sockaddr_in to = address(net.server, dport);
	ASSERT_EQ(sendto(fd, &p, sizeof(p), 0, reinterpret_cast<const sockaddr *>(&to), sizeof(to)),
		  static_cast<ssize_t>(sizeof(p)))
		<< std::strerror(errno);
	close(fd);
}

// A text record: its line (kept whole) and the fields the tests look at.
struct TextRecord {
	std::string line;
	std::string state;
	std::string reason; // "NAME (CODE)" or "- (-)"
	std::string kind;   // the [mark] at the end, empty for none
};

std::vector<TextRecord> text_records(const std::string &out)
{
	static const std::regex record(
		R"(\d\d:\d\d:\d\d \d+ +[46] +\S+ +> \S+ +(\S+) \([A-Z|]*\) (\S+ \(\S+\))(?: \[(\w+)\])?)");
	std::vector<TextRecord> records;
	std::istringstream in(out);
	std::string l;
	std::getline(in, l); // header
	while (std::getline(in, l)) {
		if (l.empty() || l.rfind("    ", 0) == 0)
			continue;
		std::smatch m;
		EXPECT_TRUE(std::regex_match(l, m, record)) << l;
		records.push_back({l, m[1], m[2], m[3]});
	}
	return records;
}

std::vector<json> drop_records(const std::string &out)
{
	std::vector<json> drops;
	for (json &r : parse_json_lines(out))
		if (r.value("type", "") == "drop")
			drops.push_back(std::move(r));
	return drops;
}

// What the end-of-run line says was left out; -1 without the line.
long frees_not_shown(const std::string &err)
{
	static const std::regex line(
		R"(nettrace tcpdrop: (\d+) frees? that loses? no packet (?:were|was) not shown; --all shows them)");
	std::smatch m;
	return std::regex_search(err, m, line) ? std::stol(m[1]) : -1;
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string> &more)
{
	args.insert(args.end(), more.begin(), more.end());
	return args;
}

std::string reason_or_dash(const char *name)
{
	return kernel_passes_drop_reasons() ? name : "-";
}

class FreeKindsTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		NETTRACE_REQUIRE_BPF();
		veth_ = server_.add_veth(client_, {net_.server + "/24", ""},
					 {net_.client + "/24", ""});
	}

	// tcpdrop limited to this test's traffic.
	std::vector<std::string> filter() const { return {"-N", net_.subnet, "--no-stack"}; }

	const Net net_ = own_net();
	TestNetns server_, client_;
	VethPair veth_;
};

} // namespace

TEST_F(FreeKindsTest, CleanConnectionsShowNothingAndAllShowsTheirPurges)
{
	constexpr int connections = 5;
	TcpdropRun quiet(filter());
	TcpdropRun all_text(with(filter(), {"--all"}));
	TcpdropRun all_json(with(filter(), {"--all"}), true);
	clean_tcp_connections(server_, client_, net_.server, net_.port, connections);
	const ProcessResult q = quiet.stop(), t = all_text.stop(), j = all_json.stop();

	// By default: no record, and one line that says how many were left out.
	EXPECT_TRUE(text_records(q.out).empty()) << q.out;
	const long hidden = frees_not_shown(q.err);
	EXPECT_EQ(hidden, connections) << q.err;

	// --all shows exactly those, marked, and says nothing was left out.
	const auto records = drop_records(j.out);
	EXPECT_EQ(static_cast<long>(records.size()), hidden) << j.out;
	for (const json &r : records) {
		EXPECT_EQ(r["kind"], "close_purge") << r;
		// The peer's FIN, purged from a TCP socket: its state is real.
		EXPECT_TRUE(r["state"].is_string()) << r;
		EXPECT_TRUE(r["sock_netns"].is_number()) << r;
		EXPECT_NE(std::find(r["flags"].begin(), r["flags"].end(), "FIN"), r["flags"].end())
			<< r;
		if (kernel_passes_drop_reasons() && r["reason"] != "NOT_SPECIFIED") {
			EXPECT_EQ(r["reason"], "QUEUE_PURGE") << r;
		}
	}
	const auto lines = text_records(t.out);
	EXPECT_EQ(lines.size(), records.size()) << t.out;
	for (const TextRecord &r : lines)
		EXPECT_EQ(r.kind, "close_purge") << r.line;
	EXPECT_EQ(frees_not_shown(t.err), -1) << t.err;
	EXPECT_EQ(frees_not_shown(j.err), -1) << j.err;
}

TEST_F(FreeKindsTest, ServerClosingFirstShowsNothingAndAllShowsTheTimeWaitAnswers)
{
	if (!kernel_passes_drop_reasons())
		GTEST_SKIP() << "kfree_skb passes no drop reason (before 5.17)";
	constexpr int connections = 5;
	TcpdropRun quiet(filter());
	TcpdropRun all_json(with(filter(), {"--all"}), true);
	clean_tcp_connections(server_, client_, net_.server, net_.port, connections,
			      FirstToClose::Server);
	const ProcessResult q = quiet.stop(), j = all_json.stop();

	EXPECT_TRUE(text_records(q.out).empty()) << q.out;
	EXPECT_EQ(frees_not_shown(q.err), connections) << q.err;
	// Each client's FIN, answered by the server's timewait socket.
	const auto records = drop_records(j.out);
	EXPECT_EQ(records.size(), static_cast<std::size_t>(connections)) << j.out;
	for (const json &r : records) {
		EXPECT_EQ(r["kind"], "time_wait") << r;
		// The timewait socket, where the kernel names it (6.11 on); the
		// drop site told it before.
		if (kernel_passes_receiving_socket()) {
			EXPECT_EQ(r["state"], "TIME_WAIT") << r;
		} else {
			EXPECT_EQ(r["location"].get<std::string>().rfind("tcp_v4_rcv+", 0), 0u)
				<< r;
		}
		EXPECT_EQ(r["dport"], net_.port) << r;
		EXPECT_NE(std::find(r["flags"].begin(), r["flags"].end(), "FIN"), r["flags"].end())
			<< r;
	}
}

TEST_F(FreeKindsTest, DataAClosedConnectionRefusesStaysADrop)
{
	if (!kernel_passes_drop_reasons())
		GTEST_SKIP() << "kfree_skb passes no drop reason (before 5.17)";
	TcpdropRun quiet(filter(), true);
	const int listener = server_.socket_in(AF_INET, SOCK_STREAM);
	const sockaddr_in to = address(net_.server, net_.port);
	ASSERT_EQ(bind(listener, reinterpret_cast<const sockaddr *>(&to), sizeof(to)), 0)
		<< std::strerror(errno);
	ASSERT_EQ(listen(listener, 1), 0);
	const int c = client_.socket_in(AF_INET, SOCK_STREAM);
	ASSERT_EQ(connect(c, reinterpret_cast<const sockaddr *>(&to), sizeof(to)), 0)
		<< std::strerror(errno);
	close(accept(listener, nullptr, nullptr));
	char byte;
	EXPECT_EQ(read(c, &byte, 1), 0); // the server's FIN
	std::this_thread::sleep_for(100ms);
	// Data after the server closed reaches its timewait socket, which
	// answers with a reset: the data is lost, and shown.
	ASSERT_EQ(write(c, "late", 4), 4);
	std::this_thread::sleep_for(200ms);
	close(c);
	close(listener);
	const ProcessResult q = quiet.stop();

	std::size_t refused = 0;
	for (const json &r : drop_records(q.out)) {
		EXPECT_EQ(r["kind"], "drop") << r;
		if (r["dport"] == net_.port &&
		    std::find(r["flags"].begin(), r["flags"].end(), "PSH") != r["flags"].end())
			++refused;
	}
	EXPECT_EQ(refused, 1u) << q.out;
}

TEST_F(FreeKindsTest, PacketSocketCopiesShowNothingAndNeverATcpState)
{
	TcpdropRun quiet(filter());
	TcpdropRun all_text(with(filter(), {"--all"}));
	TcpdropRun all_json(with(filter(), {"--all"}), true);
	// A sniffer that reads with recv() (none of it is read here) and a raw
	// TCP socket in the server's namespace, open while a healthy
	// connection goes by, and closed after it.
	const int sniffer = server_.socket_in(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	const int raw = server_.socket_in(AF_INET, SOCK_RAW, IPPROTO_TCP);
	clean_tcp_connections(server_, client_, net_.server, net_.port, 1);
	close(sniffer);
	close(raw);
	std::this_thread::sleep_for(300ms);
	const ProcessResult q = quiet.stop(), t = all_text.stop(), j = all_json.stop();

	EXPECT_TRUE(text_records(q.out).empty()) << q.out;
	const auto records = drop_records(j.out);
	EXPECT_EQ(frees_not_shown(q.err), static_cast<long>(records.size())) << q.err;
	std::multiset<std::string> kinds;
	for (const json &r : records) {
		kinds.insert(r["kind"].get<std::string>());
		EXPECT_NE(r["kind"], "drop") << r;
		if (r["kind"] == "tap_copy") {
			// The sniffer's own state (7) read as TCP would say CLOSE.
			EXPECT_TRUE(r["state"].is_null()) << r;
			EXPECT_TRUE(r["sock_netns"].is_null()) << r;
		}
	}
	// SYN, SYN-ACK, ACK, data ... both ways, once for each of the two.
	EXPECT_GE(kinds.count("tap_copy"), 6u) << j.out;
	EXPECT_EQ(kinds.count("close_purge"), 1u) << j.out;
	const auto lines = text_records(t.out);
	EXPECT_EQ(lines.size(), records.size()) << t.out;
	for (const TextRecord &r : lines) {
		EXPECT_TRUE(r.kind == "tap_copy" || r.kind == "close_purge") << r.line;
		if (r.kind == "tap_copy") {
			EXPECT_EQ(r.state, "-") << r.line;
		}
	}
}

TEST_F(FreeKindsTest, RealDropsAreShownAsBefore)
{
	const std::uint16_t closed = net_.port, filtered = net_.port + 1, corrupted = net_.port + 2;
	drop_input_with_nft(server_, "tcp dport " + std::to_string(filtered));
	receive_checksums_off(server_, veth_.local_ifname);
	TcpdropRun text(filter());
	TcpdropRun jsonl(filter(), true);
	tcp_connect_once(client_, net_.client, net_.server, closed);
	tcp_connect_once(client_, net_.client, net_.server, filtered, 0, false);
	syn_with_bad_checksum(client_, net_, corrupted);
	std::this_thread::sleep_for(200ms);
	const ProcessResult t = text.stop(), j = jsonl.stop();

	const auto records = drop_records(j.out);
	std::map<int, std::string> reasons; // per destination port
	for (const json &r : records) {
		EXPECT_EQ(r["kind"], "drop") << r;
		reasons[r["dport"].get<int>()] =
			r["reason"].is_null() ? "-" : r["reason"].get<std::string>();
	}
	EXPECT_EQ(records.size(), 3u) << j.out;
	EXPECT_EQ(reasons[closed], reason_or_dash("NO_SOCKET"));
	EXPECT_EQ(reasons[filtered], reason_or_dash("NETFILTER_DROP"));
	EXPECT_EQ(reasons[corrupted], reason_or_dash("TCP_CSUM"));
	const auto lines = text_records(t.out);
	EXPECT_EQ(lines.size(), 3u) << t.out;
	for (const TextRecord &r : lines)
		EXPECT_EQ(r.kind, "") << r.line;
	EXPECT_EQ(frees_not_shown(t.err), -1) << t.err;
}

TEST_F(FreeKindsTest, SkbstatDropRowsSayWhichLoseNoPacket)
{
	SkbstatRun jsonl({"-N", net_.subnet, "-i", "60", "--json"});
	SkbstatRun text({"-N", net_.subnet, "-i", "60"});
	const int sniffer = server_.socket_in(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	clean_tcp_connections(server_, client_, net_.server, net_.port, 2);
	close(sniffer);
	const bool time_wait_told = kernel_passes_drop_reasons();
	if (time_wait_told)
		clean_tcp_connections(server_, client_, net_.server, net_.port, 3,
				      FirstToClose::Server);
	tcp_connect_once(client_, net_.client, net_.server, net_.port + 1);
	std::this_thread::sleep_for(300ms);
	const ProcessResult j = jsonl.stop(), t = text.stop();

	std::map<std::string, std::uint64_t> per_kind;
	std::uint64_t no_socket = 0;
	for (const json &i : parse_json_lines(j.out)) {
		if (i.value("type", "") != "interval")
			continue;
		for (const json &row : i["drop"]) {
			ASSERT_TRUE(row.contains("kind")) << row;
			per_kind[row["kind"]] += row["count"].get<std::uint64_t>();
			if (row["kind"] == "drop" && row["reason"] == "QUEUE_PURGE")
				ADD_FAILURE() << "a queue purge counted as a drop: " << row;
			if (row["kind"] == "drop")
				no_socket += row["count"].get<std::uint64_t>();
		}
	}
	EXPECT_EQ(per_kind["close_purge"], 2u) << j.out;
	EXPECT_GE(per_kind["tap_copy"], 6u) << j.out;
	if (time_wait_told) {
		EXPECT_EQ(per_kind["time_wait"], 3u) << j.out;
	}
	// The one SYN to a closed port stays a drop of its own.
	EXPECT_EQ(no_socket, 1u) << j.out;
	// Text: a row of its own, marked.
	EXPECT_NE(t.out.find("[close_purge]"), std::string::npos) << t.out;
	EXPECT_NE(t.out.find("[tap_copy]"), std::string::npos) << t.out;
}
