// SPDX-License-Identifier: MIT
// Which namespace a drop or a count belongs to, when packets cross a veth
// pair between two namespaces as a container's do: the one whose device
// the packet is on, not the one its socket lives in. tcpdrop and skbstat,
// the real binaries, against drops on both sides of the pair.
#include "netns.hpp"
#include "requirements.hpp"
#include "skbstat_run.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include "tc_drop.skel.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <chrono>
#include <cstring>
#include <memory>
#include <net/if.h>
#include <netinet/in.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace nettrace::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr const char *kServerV4 = "10.201.15.1";
constexpr const char *kClientV4 = "10.201.15.2";

// A clsact filter on one device that drops TCP to one port: a BPF program
// as a CNI plugin or a host policy would attach it. Removed (with its
// clsact qdisc) when destroyed; the namespace must outlive it.
class TcPortDrop {
public:
	TcPortDrop(const TestNetns &ns, const std::string &ifname, bpf_tc_attach_point where,
		   std::uint16_t dport)
	    : ns_(ns), skel_(tc_drop_bpf__open(), tc_drop_bpf__destroy)
	{
		if (!skel_)
			throw std::runtime_error("tc_drop_bpf__open: " +
						 std::string(std::strerror(errno)));
		skel_->rodata->drop_dport = dport;
		if (int err = tc_drop_bpf__load(skel_.get()))
			throw std::runtime_error("tc_drop_bpf__load: " +
						 std::string(std::strerror(-err)));
		hook_.sz = sizeof(hook_);
		hook_.attach_point = where;
		int err = 0;
		// tc talks netlink to the namespace of the calling thread.
		ns_.run_in([&] {
			hook_.ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
			err = hook_.ifindex ? bpf_tc_hook_create(&hook_) : -ENODEV;
			if (err == -EEXIST)
				err = 0;
			if (err)
				return;
			bpf_tc_opts opts{};
			opts.sz = sizeof(opts);
			opts.prog_fd = bpf_program__fd(skel_->progs.drop_tcp_dport);
			err = bpf_tc_attach(&hook_, &opts);
		});
		if (err)
			throw std::runtime_error("tc filter on " + ifname + ": " +
						 std::strerror(-err));
	}

	~TcPortDrop()
	{
		hook_.attach_point =
			static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
		try {
			ns_.run_in([&] { bpf_tc_hook_destroy(&hook_); });
		} catch (...) {
			// The namespace is gone, and the filter with it.
		}
	}

	std::uint64_t dropped() const
	{
		return __atomic_load_n(&skel_->bss->dropped, __ATOMIC_RELAXED);
	}

	// Waits until it has dropped `n` packets; false after 5 s.
	bool wait_for_drops(std::uint64_t n) const
	{
		for (int i = 0; i < 500 && dropped() < n; ++i)
			std::this_thread::sleep_for(10ms);
		return dropped() >= n;
	}

private:
	const TestNetns &ns_;
	std::unique_ptr<tc_drop_bpf, decltype(&tc_drop_bpf__destroy)> skel_;
	bpf_tc_hook hook_{};
};

// A connect from the client whose SYN `drop` throws away: the socket stays
// open (in SYN_SENT) until the drop happened, so the state the tools read
// is the one the socket had, and then closes before a retransmission.
void connect_until_dropped(const TestNetns &client, const TcPortDrop &drop, std::uint16_t dport)
{
	const int fd = client.socket_in(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
	sockaddr_in to{};
	to.sin_family = AF_INET;
	to.sin_port = htons(dport);
	inet_pton(AF_INET, kServerV4, &to.sin_addr);
	connect(fd, reinterpret_cast<sockaddr *>(&to), sizeof(to));
	const bool dropped = drop.wait_for_drops(1);
	close(fd);
	ASSERT_TRUE(dropped) << "the tc filter dropped nothing";
}

// nettrace tcpdrop --json in the background, attached once -v says so.
class TcpdropJson : public TracerRun {
public:
	TcpdropJson(const TestNetns &ns, std::uint16_t dport)
	    : TracerRun({"tcpdrop", "--netns", ns.path(), "-D", std::to_string(dport), "--json",
			 "-v", "--no-stack"},
			"nettrace tcpdrop: attached", true)
	{
	}
};

int ifindex_in(const TestNetns &ns, const std::string &ifname)
{
	int index = 0;
	ns.run_in([&] { index = static_cast<int>(if_nametoindex(ifname.c_str())); });
	return index;
}

} // namespace

class NetnsAttributionTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		NETTRACE_REQUIRE_BPF();
		server_ = std::make_unique<TestNetns>();
		client_ = std::make_unique<TestNetns>();
		// IPv4 only: IPv6 would add the kernel's own MLD frees.
		veth_ = server_->add_veth(*client_, {std::string(kServerV4) + "/24", ""},
					  {std::string(kClientV4) + "/24", ""});
	}

	// What tcpdrop says of one SYN that `drop` throws away: JSON under
	// --netns of each side, and text under --netns of `text_side`.
	struct Seen {
		std::vector<json> server, client;
		std::string text;
	};
	Seen watch_one_drop(const TcPortDrop &drop, std::uint16_t port, const TestNetns &text_side)
	{
		TcpdropJson in_server(*server_, port), in_client(*client_, port);
		TracerRun text({"tcpdrop", "--netns", text_side.path(), "-D", std::to_string(port),
				"--no-stack"},
			       "TIME ", false);
		connect_until_dropped(*client_, drop, port);
		return {parse_json_lines(in_server.stop().out),
			parse_json_lines(in_client.stop().out), text.stop().out};
	}

	std::unique_ptr<TestNetns> server_, client_;
	VethPair veth_; // local_ifname in the server, peer_ifname in the client
};

// The reproduction of a container whose SYN a host policy drops: the drop
// is the server side's, while the packet still carries the client's socket.
TEST_F(NetnsAttributionTest, TcpdropIngressDropIsTheServerNamespaces)
{
	constexpr std::uint16_t port = 4104;
	const TcPortDrop drop(*server_, veth_.local_ifname, BPF_TC_INGRESS, port);
	const Seen seen = watch_one_drop(drop, port, *server_);
	ASSERT_EQ(seen.server.size(), 1u);
	EXPECT_EQ(seen.client.size(), 0u) << seen.client[0].dump();
	const json &e = seen.server[0];
	EXPECT_EQ(e["netns"], server_->inode());
	EXPECT_EQ(e["sock_netns"], client_->inode());
	EXPECT_EQ(e["ifindex"], ifindex_in(*server_, veth_.local_ifname));
	EXPECT_EQ(e["state"], "SYN_SENT");
	EXPECT_EQ(e["saddr"], kClientV4);
	EXPECT_EQ(e["dport"], port);
	EXPECT_EQ(e["flags"], json::array({"SYN"}));
	// The text marks a state that belongs to another namespace's socket.
	EXPECT_NE(seen.text.find(" SYN_SENT* (SYN) "), std::string::npos) << seen.text;
}

// The other side: a drop on the client's own egress is the client's, and
// its socket is in the same namespace, so nothing is marked.
TEST_F(NetnsAttributionTest, TcpdropEgressDropIsTheClientNamespaces)
{
	constexpr std::uint16_t port = 4105;
	const TcPortDrop drop(*client_, veth_.peer_ifname, BPF_TC_EGRESS, port);
	const Seen seen = watch_one_drop(drop, port, *client_);
	ASSERT_EQ(seen.client.size(), 1u);
	EXPECT_EQ(seen.server.size(), 0u) << seen.server[0].dump();
	const json &e = seen.client[0];
	EXPECT_EQ(e["netns"], client_->inode());
	EXPECT_EQ(e["sock_netns"], client_->inode());
	EXPECT_EQ(e["ifindex"], ifindex_in(*client_, veth_.peer_ifname));
	EXPECT_EQ(e["state"], "SYN_SENT");
	EXPECT_NE(seen.text.find(" SYN_SENT (SYN) "), std::string::npos) << seen.text;
}

// skbstat's own use: where do port-80 SYNs go? Each point counts them in
// the namespace they are in there: sent and queued in the client's,
// received and dropped (no listener) in the server's.
TEST_F(NetnsAttributionTest, SkbstatCountsEachPacketInTheNamespaceItIsIn)
{
	constexpr int syns = 20;
	auto run_in = [](const TestNetns &ns) {
		return std::make_unique<SkbstatRun>(
			std::vector<std::string>{"--netns", ns.path(), "-p", "tcp", "-D", "80",
						 "--input", "--output", "--json", "-i", "60"});
	};
	auto server_run = run_in(*server_), client_run = run_in(*client_);
	for (int i = 0; i < syns; ++i)
		tcp_connect_once(*client_, kClientV4, kServerV4, 80);
	const auto server = parse_json_lines(server_run->stop().out);
	const auto client = parse_json_lines(client_run->stop().out);
	ASSERT_EQ(server.size(), 1u);
	ASSERT_EQ(client.size(), 1u);

	const auto server_in = point_totals(server, "ingress");
	const auto client_in = point_totals(client, "ingress");
	ASSERT_FALSE(server_in.empty());
	EXPECT_EQ(server_in.at("net:netif_receive_skb"), static_cast<std::uint64_t>(syns));
	for (const auto &[point, count] : server_in)
		EXPECT_EQ(count, static_cast<std::uint64_t>(syns)) << "server " << point;
	for (const auto &[point, count] : client_in)
		EXPECT_EQ(count, 0u) << "client " << point;

	const auto server_out = point_totals(server, "egress");
	const auto client_out = point_totals(client, "egress");
	EXPECT_EQ(client_out.at("net:net_dev_queue"), static_cast<std::uint64_t>(syns));
	EXPECT_EQ(client_out.at("net:net_dev_xmit"), static_cast<std::uint64_t>(syns));
	for (const auto &[point, count] : server_out)
		EXPECT_EQ(count, 0u) << "server " << point;

	const std::string no_socket = kernel_passes_drop_reasons() ? "NO_SOCKET" : "-";
	EXPECT_EQ(stack_totals(server, "drop"),
		  (std::map<std::string, std::uint64_t>{{no_socket + " tcp_v4_rcv", syns}}));
	EXPECT_TRUE(stack_totals(client, "drop").empty());
}
