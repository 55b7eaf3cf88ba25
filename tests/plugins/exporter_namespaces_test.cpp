// SPDX-License-Identifier: MIT
// nettrace exporter and namespaces that /run/netns does not name: a
// namespace only a process holds (as a container's is) gets its devices
// named and its container told from that process's cgroup; the rows of
// a namespace that is gone are removed after --stale-after.
#include "exporter_run.hpp"
#include "http_client.hpp"
#include "netns.hpp"
#include "process.hpp"
#include "requirements.hpp"
#include "traffic.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace nettrace::test;
using namespace std::chrono_literals;

namespace {

std::uint32_t netns_inode_of(int pid)
{
	struct stat st {};
	const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
	return stat(path.c_str(), &st) == 0 ? static_cast<std::uint32_t>(st.st_ino) : 0;
}

// Where cgroup v2 is mounted: /sys/fs/cgroup, or its "unified" folder on
// hybrid hosts; empty when it is not.
std::string cgroup2_mount()
{
	std::ifstream mounts("/proc/self/mounts");
	std::string device, where, type, rest;
	while (mounts >> device >> where >> type && std::getline(mounts, rest))
		if (type == "cgroup2")
			return where;
	return {};
}

// A cgroup v2 folder named as docker names a container's scope, with one
// process moved into it. The process is moved back out and the folders
// removed at the end, even when the test fails.
class ContainerCgroup {
public:
	ContainerCgroup(const std::string &root, const std::string &id, int pid)
	    : root_(root), slice_(root + "/nettrace-test-" + std::to_string(getpid()) + ".slice"),
	      scope_(slice_ + "/docker-" + id + ".scope")
	{
		run_shell_checked("mkdir -p " + scope_ + " && echo " + std::to_string(pid) + " > " +
				  scope_ + "/cgroup.procs");
	}
	~ContainerCgroup()
	{
		run_process(
			{"sh", "-c",
			 "for p in $(cat \"$0\"/cgroup.procs); do echo $p > \"$1\"/cgroup.procs; "
			 "done; rmdir \"$0\" \"$2\"",
			 scope_, root_, slice_});
	}

private:
	std::string root_, slice_, scope_;
};

TEST(ExporterNamespaces, NamespaceOfAProcessOnlyGetsDeviceNamesAndContainer)
{
	NETTRACE_REQUIRE_BPF();
	const std::string cgroups = cgroup2_mount();
	if (cgroups.empty())
		NETTRACE_SKIP_OR_FAIL("no cgroup v2 hierarchy is mounted");
	// A namespace no file in /run/netns names, held by a sleeping
	// process, as a container runtime's are.
	BackgroundProcess holder(
		{"unshare", "--net", "--", "sh", "-c", "echo ready; exec sleep 300"});
	ASSERT_TRUE(holder.wait_for("ready", 10s)) << holder.err();
	const std::uint32_t inode = netns_inode_of(holder.pid());
	ASSERT_NE(inode, 0u);
	const std::string id =
		"5e1f" + std::string(56, '0') + std::to_string(1000 + getpid() % 9000);
	ASSERT_EQ(id.size(), 64u);
	const ContainerCgroup cgroup(cgroups, id, holder.pid());

	TestNetns host;
	const std::string pid = std::to_string(getpid() % 100000);
	const std::string outside = "ntco" + pid, inside = "ntci" + pid;
	const unsigned n = static_cast<unsigned>(getpid()) % 250 + 1;
	const std::string prefix = "10.203." + std::to_string(n) + ".";
	host.exec_checked("ip link add " + outside + " type veth peer name " + inside + " netns " +
			  std::to_string(holder.pid()) + " && ip addr add " + prefix + "1/24 dev " +
			  outside + " && ip link set " + outside + " up");
	run_shell_checked("nsenter --net=/proc/" + std::to_string(holder.pid()) +
			  "/ns/net sh -c 'ip addr add " + prefix + "2/24 dev " + inside +
			  " && ip link set " + inside + " up && ip link set lo up'");

	ExporterRun exporter({"-P", std::to_string(own_port())});
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	constexpr int drops = 5;
	// Sent from the test's namespace over the veth, dropped on arrival
	// in the process's namespace.
	const std::map<std::string, std::string> labels = {{"netns", std::to_string(inode)},
							   {"protocol", "udp"},
							   {"kind", "drop"}};
	// The first wait in the neighbour queue for ARP, then go.
	udp_to_closed_port(host, prefix + "1", prefix + "2", own_port(), drops);
	ASSERT_EQ(exporter.settled_count("nettrace_drops_total", labels, drops), drops);

	std::string text;
	int series = 0;
	for (const Sample &s : exporter.scrape(&text)) {
		if (s.name != "nettrace_drops_total" ||
		    s.labels.at("netns") != std::to_string(inode))
			continue;
		++series;
		EXPECT_EQ(s.labels.at("interface"), inside) << text;
		EXPECT_EQ(s.labels.at("container"), id) << text;
		EXPECT_EQ(s.labels.at("netns_name"), "") << text;
	}
	EXPECT_EQ(series, 1) << text;
	exporter.stop();
}

// Whether some process, name in /run/netns or bind mount holds a network
// namespace of inode `inode`: the kernel gives a freed inode number to
// the next namespace made, maybe by another test on this machine.
bool netns_inode_in_use(const std::string &inode)
{
	const ProcessResult r = run_process(
		{"sh", "-c",
		 "for f in /proc/[0-9]*/ns/net /run/netns/*; do stat -Lc %i \"$f\" 2>/dev/null; "
		 "done | grep -qx \"$0\" || grep -q \"net:\\[$0\\]\" /proc/self/mountinfo",
		 inode});
	return r.exit_code == 0;
}

TEST(ExporterNamespaces, RowsOfAGoneNamespaceAreRemovedAfterStaleAfter)
{
	NETTRACE_REQUIRE_BPF();
	// Tried again, up to three times, when another namespace took the
	// gone one's inode number before the grace period ended: it then
	// exists again, rightly, and nothing can be told.
	for (int attempt = 1; attempt <= 3; ++attempt) {
		SCOPED_TRACE("attempt " + std::to_string(attempt));
		auto gone = std::make_unique<TestNetns>();
		TestNetns kept;
		const std::string gone_inode = std::to_string(gone->inode());
		// With one probe point, whose map loses the gone namespace's
		// rows too.
		ExporterRun exporter({"-P", std::to_string(own_port()), "--stale-after", "2s",
				      "--points", "net:netif_receive_skb"});
		ASSERT_NE(exporter.port(), 0) << exporter.err();
		udp_to_closed_port(*gone, "127.0.0.1", "127.0.0.1", own_port(), 3);
		udp_to_closed_port(kept, "127.0.0.1", "127.0.0.1", own_port(), 4);
		const std::map<std::string, std::string> in_gone = {{"netns", gone_inode}};
		const std::map<std::string, std::string> in_kept = {
			{"netns", std::to_string(kept.inode())}};
		ASSERT_EQ(exporter.settled_count("nettrace_drops_total", in_gone, 3), 3);
		ASSERT_EQ(exporter.settled_count("nettrace_drops_total", in_kept, 4), 4);
		// One row each: only drops to this test's port are counted.
		ASSERT_EQ(sum_samples(exporter.scrape(), "nettrace_map_entries", {}), 2);
		const auto received_in = [](const std::map<std::string, std::string> &netns) {
			std::map<std::string, std::string> labels = netns;
			labels["point"] = "net:netif_receive_skb";
			return labels;
		};
		ASSERT_EQ(sum_samples(exporter.scrape(), "nettrace_point_packets_total",
				      received_in(in_gone)),
			  3);
		ASSERT_EQ(sum_samples(exporter.scrape(), "nettrace_point_packets_total",
				      received_in(in_kept)),
			  4);

		gone.reset();
		const auto deleted = std::chrono::steady_clock::now();
		// Within the grace period the rows stay.
		std::string text;
		EXPECT_EQ(sum_samples(exporter.scrape(&text), "nettrace_drops_total", in_gone), 3)
			<< text;
		EXPECT_EQ(sum_samples(exporter.scrape(), "nettrace_series_removed_total", {}), 0);
		std::vector<Sample> samples;
		while (std::chrono::steady_clock::now() - deleted < 20s) {
			samples = exporter.scrape(&text);
			if (sum_samples(samples, "nettrace_series_removed_total", {}) > 0)
				break;
			std::this_thread::sleep_for(200ms);
		}
		if (sum_samples(samples, "nettrace_series_removed_total", {}) == 0 &&
		    netns_inode_in_use(gone_inode))
			continue;
		EXPECT_GE(std::chrono::steady_clock::now() - deleted, 2s);
		// Its drop row and its point row.
		EXPECT_EQ(sum_samples(samples, "nettrace_series_removed_total", {}), 2) << text;
		EXPECT_EQ(sum_samples(samples, "nettrace_map_entries", {}), 1) << text;
		for (const Sample &s : samples) {
			if (s.labels.count("netns")) {
				EXPECT_NE(s.labels.at("netns"), gone_inode) << text;
			}
		}
		EXPECT_EQ(sum_samples(samples, "nettrace_drops_total", in_kept), 4) << text;
		EXPECT_EQ(sum_samples(samples, "nettrace_dropped_bytes_total", in_kept),
			  4 * (20 + 8 + 14))
			<< text;
		// The namespace that still exists keeps its rows past the grace
		// period.
		std::this_thread::sleep_for(2500ms);
		samples = exporter.scrape(&text);
		EXPECT_EQ(sum_samples(samples, "nettrace_drops_total", in_kept), 4) << text;
		EXPECT_EQ(sum_samples(samples, "nettrace_point_packets_total",
				      received_in(in_kept)),
			  4)
			<< text;
		EXPECT_EQ(sum_samples(samples, "nettrace_series_removed_total", {}), 2) << text;
		exporter.stop();
		return;
	}
	FAIL() << "each time, another namespace took the inode number of the one deleted";
}

} // namespace
