// SPDX-License-Identifier: MIT
// nettrace skbstat against real traffic: packets sent inside namespaces
// this test makes, the real binary's interval output parsed.
#include "bpf_links.hpp"
#include "netns.hpp"
#include "process.hpp"
#include "reason_list_check.hpp"
#include "requirements.hpp"
#include "skbstat_run.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include "skbstat.h"

#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <sys/utsname.h>
#include <thread>
#include <unistd.h>

using namespace nettrace::test;
using nlohmann::json;

namespace {

// Whether the kernel has tracepoint `event` ("sock/sock_send_length").
bool tracing_has_event(const std::string &event)
{
	for (const char *root : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"})
		if (access((std::string(root) + "/events/" + event).c_str(), F_OK) == 0)
			return true;
	return false;
}

// The reason a drop row shows: `name` where the kernel passes reasons,
// "-" (none) before 5.17.
std::string reason_shown(const std::string &name)
{
	return kernel_passes_drop_reasons() ? name : "-";
}

// Whether the kernel lists a perf-event attachment as a BPF link (5.15 on).
bool kernel_lists_perf_event_links()
{
	utsname uts{};
	uname(&uts);
	unsigned major = 0, minor = 0;
	std::sscanf(uts.release, "%u.%u", &major, &minor);
	return major > 5 || (major == 5 && minor >= 15);
}

// Drops per reason over all intervals, from their "drop_reasons" summaries.
std::map<std::string, std::uint64_t> reason_totals(const std::vector<json> &intervals)
{
	std::map<std::string, std::uint64_t> totals;
	for (const json &i : intervals)
		for (const json &r : i.value("drop_reasons", json::array()))
			totals[r["reason"].is_string() ? r["reason"].get<std::string>() : "-"] +=
				r["count"].get<std::uint64_t>();
	return totals;
}

std::uint64_t total(const std::map<std::string, std::uint64_t> &m)
{
	std::uint64_t sum = 0;
	for (const auto &[k, v] : m)
		sum += v;
	return sum;
}

// A descriptor of the BPF map called `name` that process `pid` holds,
// found through its descriptors' fdinfo (map_id); -1 when it holds none.
int map_of_process(int pid, const std::string &name)
{
	const std::string dir = "/proc/" + std::to_string(pid) + "/fdinfo";
	for (const auto &entry : std::filesystem::directory_iterator(dir)) {
		std::ifstream in(entry.path());
		for (std::string line; std::getline(in, line);) {
			if (line.rfind("map_id:", 0) != 0)
				continue;
			const int fd = bpf_map_get_fd_by_id(std::stoul(line.substr(7)));
			bpf_map_info info{};
			__u32 size = sizeof(info);
			if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &size) == 0 &&
			    name == info.name)
				return fd;
			if (fd >= 0)
				close(fd);
		}
	}
	return -1;
}

// A user made for the test, removed at the end even when the test fails.
struct UnprivilegedUser {
	UnprivilegedUser()
	{
		run_shell_checked("useradd --system --no-create-home --shell /usr/sbin/nologin " +
				  name);
	}
	~UnprivilegedUser() { run_process({"userdel", name}); }
	const std::string name = "ntskb" + std::to_string(getpid());
};

} // namespace

class SkbstatTest : public ::testing::Test {
protected:
	void SetUp() override { NETTRACE_REQUIRE_BPF(); }
};

TEST_F(SkbstatTest, PortFilterCountsIngressAndEgressExactly)
{
	TestNetns ns;
	// A long interval: the partial one printed at SIGINT holds everything.
	SkbstatRun run({"--netns", ns.path(), "-p", "tcp", "-P", "80", "--input", "--output",
			"--json", "-i", "60"});
	constexpr int to_80 = 3, to_81 = 2;
	for (int i = 0; i < to_80; ++i)
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 80);
	for (int i = 0; i < to_81; ++i)
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 81);
	const auto intervals = parse_json_lines(run.stop().out);
	ASSERT_EQ(intervals.size(), 1u);
	// Each SYN to the closed port 80 is answered by a RST from port 80:
	// two packets a connect, both on lo, both matching -P 80.
	const auto ingress = point_totals(intervals, "ingress");
	const auto egress = point_totals(intervals, "egress");
	EXPECT_EQ(ingress.at("net:netif_receive_skb"), 2u * to_80);
	EXPECT_EQ(egress.at("net:net_dev_queue"), 2u * to_80);
	EXPECT_EQ(egress.at("net:net_dev_xmit"), 2u * to_80);
	for (const auto &[point, count] : ingress)
		EXPECT_EQ(count, 2u * to_80) << point;
	for (const auto &[point, count] : egress) {
		// ip_local_out is also inlined into its callers in ip_output.c
		// (__ip_queue_xmit on Debian's 6.1 and 6.12), so a function probe
		// sees the packets of some paths only: never more than were sent.
		if (point == "ip_local_out") {
			EXPECT_GE(count, 1u * to_80) << point;
			EXPECT_LE(count, 2u * to_80) << point;
			continue;
		}
		EXPECT_EQ(count, 2u * to_80) << point;
	}
	// The drops of the SYNs to port 80, none of port 81's.
	EXPECT_EQ(stack_totals(intervals, "drop"),
		  (std::map<std::string, std::uint64_t>{
			  {reason_shown("NO_SOCKET") + " tcp_v4_rcv", to_80}}));
}

TEST_F(SkbstatTest, TextLayoutHasTheClassicSections)
{
	TestNetns ns;
	SkbstatRun run({"--netns", ns.path(), "-P", "7601", "--input", "--output", "-i", "60"});
	tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7601);
	const std::string out = run.stop().out;
	std::vector<std::string> lines;
	std::istringstream in(out);
	for (std::string l; std::getline(in, l);)
		lines.push_back(l);
	const std::regex time_line(R"(\d\d:\d\d:\d\d        \[(INGRESS|EGRESS|DROP)\])");
	std::vector<std::string> sections;
	for (size_t i = 0; i + 1 < lines.size(); ++i)
		if (lines[i] == "TIME     NUM    FUNC/STACK") {
			std::smatch m;
			ASSERT_TRUE(std::regex_match(lines[i + 1], m, time_line)) << lines[i + 1];
			sections.push_back(m[1]);
		}
	EXPECT_EQ(sections, (std::vector<std::string>{"INGRESS", "EGRESS", "DROP"}));
	EXPECT_NE(out.find("\n         2      net:netif_receive_skb\n"), std::string::npos) << out;
	// A drop row names a real reason, or "- (-)" where the kernel passes
	// none: never a code it did not pass.
	EXPECT_NE(out.find(kernel_passes_drop_reasons() ? "\n         1      NO_SOCKET ("
							: "\n         1      - (-)\n"),
		  std::string::npos)
		<< out;
	EXPECT_EQ(out.find("UNKNOWN_"), std::string::npos) << out;
	EXPECT_NE(out.find("\n                tcp_v4_rcv+0x"), std::string::npos) << out;
}

TEST_F(SkbstatTest, DropsShowStacksReasonsAndExactCounts)
{
	TestNetns ns;
	drop_input_with_nft(ns, "tcp dport 7703");
	SkbstatRun run({"--netns", ns.path(), "--json", "-i", "60"});
	for (int i = 0; i < 3; ++i)
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7701);
	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", 7702, 5);
	for (int i = 0; i < 2; ++i)
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7703, 0, false);
	const auto intervals = parse_json_lines(run.stop().out);
	EXPECT_EQ(stack_totals(intervals, "drop"),
		  (std::map<std::string, std::uint64_t>{
			  // Before 5.17 nf_hook_slow frees what a rule drops.
			  {kernel_passes_drop_reasons() ? "NETFILTER_DROP nft_do_chain"
							: "- nf_hook_slow",
			   2},
			  {reason_shown("NO_SOCKET") + " __udp4_lib_rcv", 5},
			  {reason_shown("NO_SOCKET") + " tcp_v4_rcv", 3}}));
	// The same drops per reason alone, over the rows of each stack.
	EXPECT_EQ(reason_totals(intervals),
		  kernel_passes_drop_reasons()
			  ? (std::map<std::string, std::uint64_t>{{"NETFILTER_DROP", 2},
								  {"NO_SOCKET", 8}})
			  : (std::map<std::string, std::uint64_t>{{"-", 10}}));
	for (const json &i : intervals) {
		EXPECT_EQ(i["type"], "interval"); // no "lost" record
		EXPECT_EQ(i["stacks_unrecorded"], 0);
		EXPECT_FALSE(i.contains("ingress"));
		for (const json &row : i["drop"]) {
			EXPECT_EQ(row["location"], row["stack"][0]);
			EXPECT_GT(row["stack"].size(), 3u);
			// A real reason where the kernel passes one, else null.
			if (kernel_passes_drop_reasons()) {
				ASSERT_TRUE(row["reason"].is_string()) << row;
				EXPECT_EQ(row["reason"].get<std::string>().rfind("UNKNOWN_", 0),
					  std::string::npos)
					<< row;
				EXPECT_TRUE(row["reason_code"].is_number()) << row;
			} else {
				EXPECT_TRUE(row["reason"].is_null()) << row;
				EXPECT_TRUE(row["reason_code"].is_null()) << row;
			}
		}
	}
	// Rows come most frequent first.
	const json &rows = intervals.back()["drop"];
	for (size_t r = 1; r < rows.size(); ++r)
		EXPECT_GE(rows[r - 1]["count"], rows[r]["count"]);
}

// Two stacks can ask for one slot of the stack table. With one slot, every
// stack but the first asks for a taken one: they must be recorded in the
// overflow table, and never shown under the first one's frames.
TEST_F(SkbstatTest, StacksThatAskForATakenSlotAreStillRecorded)
{
	TestNetns ns;
	drop_input_with_nft(ns, "tcp dport 7713");
	SkbstatRun run({"--netns", ns.path(), "--json", "-i", "60", "--stack-storage-size", "1"});
	tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7711);
	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", 7712, 2);
	tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7713, 0, false);
	const auto intervals = parse_json_lines(run.stop().out);
	// Every drop is counted, whether its stack was recorded or not.
	EXPECT_EQ(reason_totals(intervals),
		  kernel_passes_drop_reasons()
			  ? (std::map<std::string, std::uint64_t>{{"NETFILTER_DROP", 1},
								  {"NO_SOCKET", 3}})
			  : (std::map<std::string, std::uint64_t>{{"-", 4}}));
	std::set<std::string> sites_with_stacks;
	for (const json &i : intervals)
		for (const json &row : i["drop"]) {
			if (!row["stack_recorded"].get<bool>())
				continue;
			// A recorded stack is the row's own: it starts at its site.
			ASSERT_FALSE(row["stack"].empty()) << row;
			EXPECT_EQ(row["location"], row["stack"][0]) << row;
			sites_with_stacks.insert(row["location"].get<std::string>());
		}
	// One slot holds one stack; three sites have three stacks at least.
	EXPECT_GE(sites_with_stacks.size(), 2u) << ::testing::PrintToString(sites_with_stacks);
}

// TCP frees what it received with neither a device nor a socket on it, so
// --netns cannot place those consumes: it says so at start, rather than
// showing an empty CONSUME block as if nothing had been consumed.
TEST_F(SkbstatTest, NetnsWithConsumeSaysAtStartThatTcpConsumesAreMissed)
{
	TestNetns ns;
	// Each connect to a listener has TCP consume the SYN it answers.
	const int listener = ns.socket_in(AF_INET, SOCK_STREAM);
	sockaddr_in at{};
	at.sin_family = AF_INET;
	at.sin_port = htons(7840);
	at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr *>(&at), sizeof(at)), 0);
	ASSERT_EQ(listen(listener, 16), 0);
	const std::string note =
		"nettrace skbstat: with --netns, the CONSUME rows miss TCP packets";
	auto consumes = [&](std::vector<std::string> scope) {
		scope.insert(scope.end(), {"-p", "tcp", "-P", "7840", "--no-drop", "--consume",
					   "--json", "-i", "60"});
		SkbstatRun run(scope);
		for (int i = 0; i < 3; ++i)
			tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7840);
		const ProcessResult r = run.stop();
		return std::pair{total(stack_totals(parse_json_lines(r.out), "consume")), r.err};
	};
	const auto [everywhere, quiet] = consumes({});
	const auto [in_netns, said] = consumes({"--netns", ns.path()});
	close(listener);
	EXPECT_GE(everywhere, 3u);
	EXPECT_EQ(quiet.find(note), std::string::npos) << quiet;
	// What the line is about: they are not counted under --netns.
	EXPECT_EQ(in_netns, 0u);
	EXPECT_NE(said.find(note), std::string::npos) << said;
}

TEST_F(SkbstatTest, NoDropShowsNoneAndConsumeShowsConsumeStacks)
{
	TestNetns ns;
	SkbstatRun run({"--netns", ns.path(), "--json", "-i", "60", "--no-drop", "--consume"});
	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", 7801, 4);
	const auto intervals = parse_json_lines(run.stop().out);
	ASSERT_EQ(intervals.size(), 1u);
	EXPECT_FALSE(intervals[0].contains("drop"));
	// Each datagram to a closed port brings back an ICMP port unreachable,
	// which the kernel consumes once it has handled it.
	EXPECT_EQ(stack_totals(intervals, "consume"),
		  (std::map<std::string, std::uint64_t>{{"- icmp_rcv", 4}}));

	SkbstatRun old_spelling(
		{"--netns", ns.path(), "--json", "-i", "60", "--no_drop", "--input"});
	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", 7801, 1);
	const auto more = parse_json_lines(old_spelling.stop().out);
	ASSERT_EQ(more.size(), 1u);
	EXPECT_FALSE(more[0].contains("drop"));
	EXPECT_GT(total(point_totals(more, "ingress")), 0u);
}

TEST_F(SkbstatTest, EachFilterIncludesAndExcludes)
{
	TestNetns ns;
	// five_kinds_of_drop(): the total of any subset of its drops is
	// unique, so it tells exactly which kinds matched.
	const struct {
		std::vector<std::string> args;
		std::uint64_t drops;
	} cases[] = {
		{{}, 31},
		{{"-P", "80-90"}, 2 + 4 + 8 + 16}, // never port 336 (0x0150)
		{{"-D", "336"}, 1},
		{{"-D", "85"}, 2 + 8},
		{{"-S", "41001-41002"}, 1 + 2},
		{{"-P", "41003"}, 4},
		{{"-S", "41005"}, 16},
		{{"-s", "127.0.0.2"}, 4},
		{{"-s", "127.0.0.0/8"}, 1 + 2 + 4 + 16},
		{{"-d", "::1"}, 8},
		{{"-N", "::/0"}, 8},
		{{"-N", "127.0.0.2/32"}, 4},
		{{"-p", "tcp"}, 16},
		{{"-p", "udp"}, 1 + 2 + 4 + 8},
		{{"-p", "17"}, 1 + 2 + 4 + 8},
		{{"-p", "icmp"}, 0},
		// Repeated: any value of an option, and every option.
		{{"-D", "336", "-D", "90"}, 1 + 4},
		{{"-P", "41001", "-P", "41004", "-P", "86"}, 1 + 8 + 16},
		{{"-N", "127.0.0.2", "-N", "::1"}, 4 + 8},
		{{"-s", "127.0.0.2", "-s", "::1", "-D", "90", "-D", "336"}, 4},
	};
	for (const auto &c : cases) {
		auto args = c.args;
		args.insert(args.end(), {"--netns", ns.path(), "--json", "-i", "60"});
		SkbstatRun run(args);
		five_kinds_of_drop(ns);
		// Every drop made here is NO_SOCKET, in the protocols' receive
		// functions. Kernels before 6.3 also free the ICMPv6 errors they
		// answer with kfree_skb (NOT_SPECIFIED, or no reason before
		// 5.17) elsewhere: those are no drop of ours.
		const std::string no_socket_reason = reason_shown("NO_SOCKET");
		std::uint64_t no_socket = 0;
		for (const auto &[key, n] : stack_totals(parse_json_lines(run.stop().out), "drop"))
			for (const char *site :
			     {"tcp_v4_rcv", "tcp_v6_rcv", "__udp4_lib_rcv", "__udp6_lib_rcv"})
				no_socket += key == no_socket_reason + " " + site ? n : 0;
		EXPECT_EQ(no_socket, c.drops) << ::testing::PrintToString(c.args);
	}
}

TEST_F(SkbstatTest, ListProbesNamesWhatWorksHere)
{
	ProcessResult r = run_process({nettrace_binary(), "skbstat", "--list-probes"});
	ASSERT_EQ(r.exit_code, 0) << r.err;
	std::istringstream in(r.out);
	std::string line;
	std::getline(in, line);
	EXPECT_EQ(line.rfind("POINT", 0), 0u);
	int functions = 0, tracepoints = 0;
	while (std::getline(in, line)) {
		const std::string point = line.substr(0, line.find(' '));
		const bool is_tracepoint = point.find(':') != std::string::npos;
		const bool available = line.find(" available") != std::string::npos;
		const bool fentry_works = line.find(" fentry ") != std::string::npos;
		const bool kprobe_works = line.find(" kprobe ") != std::string::npos;
		if (is_tracepoint) {
			++tracepoints;
			// sock:sock_send_length and sock_recv_length came in 6.3.
			const std::string event = point.substr(0, point.find(':')) + "/" +
						  point.substr(point.find(':') + 1);
			if (tracing_has_event(event))
				EXPECT_TRUE(available) << line;
			else
				EXPECT_NE(line.find("unavailable: this kernel does not have it"),
					  std::string::npos)
					<< line;
		} else {
			++functions;
			// On a kernel with fentry or kprobes, the point attaches by
			// one of them; without either, it says why for both.
			if (!fentry_works && !kprobe_works) {
				EXPECT_NE(line.find("unavailable: "), std::string::npos) << line;
				EXPECT_NE(line.find("fentry: "), std::string::npos) << line;
				EXPECT_NE(line.find("kprobe: "), std::string::npos) << line;
			}
		}
	}
	EXPECT_EQ(functions, 31);
	EXPECT_EQ(tracepoints, 10); // 8 points, consume, drop
}

namespace {

struct ProbeRow {
	std::string point, section, mechanism, status;
};

// The rows of `nettrace skbstat --list-probes ARGS...`.
std::vector<ProbeRow> list_probes(std::vector<std::string> args = {})
{
	args.insert(args.begin(), {nettrace_binary(), "skbstat", "--list-probes"});
	ProcessResult r = run_process(args);
	EXPECT_EQ(r.exit_code, 0) << r.err;
	std::vector<ProbeRow> rows;
	std::istringstream in(r.out);
	std::string line;
	std::getline(in, line); // the header
	while (std::getline(in, line)) {
		std::istringstream fields(line);
		ProbeRow row;
		fields >> row.point >> row.section >> row.mechanism;
		std::getline(fields >> std::ws, row.status);
		rows.push_back(row);
	}
	return rows;
}

// How many times each mechanism attached something, as the kernel says
// for a running skbstat.
std::map<std::string, int> kernel_mechanisms(int pid)
{
	std::map<std::string, int> by;
	for (const KernelLink &l : bpf_links_of(pid))
		++by[l.mechanism];
	return by;
}

// Tracepoint rows this kernel has, as tracefs lists them.
int tracepoints_here()
{
	int n = 0;
	for (const ProbeRow &row : list_probes()) {
		const auto colon = row.point.find(':');
		if (colon != std::string::npos && row.section != "drop" && row.section != "consume")
			n += tracing_has_event(row.point.substr(0, colon) + "/" +
					       row.point.substr(colon + 1));
	}
	return n;
}

} // namespace

TEST_F(SkbstatTest, ListProbesNamesTheMechanismTheKernelAttached)
{
	// The same rows counted for real: the links the kernel holds for them
	// say how each attached (tp_btf is a tracing link of type
	// trace_raw_tp, a classic tracepoint a perf event link).
	std::map<std::string, int> attached;
	std::set<std::string> tp_btf_events; // what the raw tracepoint links name
	{
		SkbstatRun run({"--input", "--output", "--consume", "-i", "60"});
		attached = kernel_mechanisms(run.pid());
		for (const KernelLink &l : bpf_links_of(run.pid()))
			if (l.mechanism == "tp_btf")
				tp_btf_events.insert(l.tracepoint);
		run.stop();
	}
	std::map<std::string, int> listed;
	for (const ProbeRow &row : list_probes()) {
		if (row.mechanism == "-")
			continue;
		++listed[row.mechanism];
		if (row.mechanism == "tp_btf") {
			EXPECT_EQ(tp_btf_events.count(row.point.substr(row.point.find(':') + 1)),
				  1u)
				<< row.point;
		}
	}
	EXPECT_EQ(listed, attached);
	// Here tp_btf attaches; fentry and kprobes do not.
	if (access("/sys/bus/event_source/devices/kprobe", F_OK) != 0) {
		EXPECT_EQ(attached,
			  (std::map<std::string, int>{{"tp_btf", tracepoints_here() + 2}}));
	}
}

TEST_F(SkbstatTest, AttachChoosesHowTracepointsDropsAndConsumesAttach)
{
	TestNetns ns;
	const int tracepoints = tracepoints_here();
	for (const std::string mode : {"tp_btf", "tracepoint"}) {
		SkbstatRun run({"--attach", mode, "--netns", ns.path(), "--input", "--output",
				"--consume", "--json", "-i", "60"});
		// Every tracepoint point, the drops and the consumes, that way.
		// Before 5.15 a classic tracepoint attaches through a perf event
		// that the kernel does not list as a BPF link.
		if (mode == "tp_btf" || kernel_lists_perf_event_links()) {
			EXPECT_EQ(kernel_mechanisms(run.pid()),
				  (std::map<std::string, int>{{mode, tracepoints + 2}}))
				<< mode;
		}
		udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", 7811, 3);
		const auto intervals = parse_json_lines(run.stop().out);
		// Three datagrams in, three ICMP errors back: each crosses
		// netif_receive_skb, the datagrams are dropped, the errors
		// consumed by icmp_rcv.
		EXPECT_EQ(point_totals(intervals, "ingress")["net:netif_receive_skb"], 6u) << mode;
		EXPECT_EQ(stack_totals(intervals,
				       "drop")[reason_shown("NO_SOCKET") + " __udp4_lib_rcv"],
			  3u)
			<< mode;
		EXPECT_EQ(stack_totals(intervals, "consume")["- icmp_rcv"], 3u) << mode;

		for (const ProbeRow &row : list_probes({"--attach", mode})) {
			const bool function = row.point.find(':') == std::string::npos;
			if (function) {
				EXPECT_EQ(row.status,
					  "unavailable: not a tracepoint (--attach " + mode + ")")
					<< row.point;
			} else if (row.status == "available") {
				EXPECT_EQ(row.mechanism, mode) << row.point;
			}
		}
	}
}

TEST_F(SkbstatTest, ForcedKprobeFailsClearlyWhereKprobesDoNotWork)
{
	if (access("/sys/bus/event_source/devices/kprobe", F_OK) == 0)
		GTEST_SKIP() << "this kernel has kprobes; the failure path needs a kernel without";
	const int links_before = count_bpf_links();
	ProcessResult r =
		run_process({nettrace_binary(), "skbstat", "--attach", "kprobe", "--input"});
	EXPECT_EQ(r.exit_code, 1);
	EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
	EXPECT_EQ(r.err.rfind("nettrace skbstat: --attach kprobe: no probe point could be "
			      "attached this way (kprobe: ",
			      0),
		  0u)
		<< r.err;
	EXPECT_EQ(count_bpf_links(), links_before);
}

TEST_F(SkbstatTest, BadInputExits2WithOneLineAndLeavesNothingAttached)
{
	expect_usage_errors(
		"skbstat",
		{
			{{"--attach", "uprobe"},
			 "--attach: unknown value 'uprobe' (auto, fentry, kprobe, tp_btf or tracepoint)"},
			{{"--no-drop"}, "--no-drop leaves nothing to count"},
			{{"-p", "tpc"}, "-p"},
			{{"-P", "90-80"}, "-P"},
			{{"-P", "70000"}, "70000"},
			{{"-s", "10.0.0.0/33"}, "/33"},
			{{"-N", "10.0.0.1", "-d", "10.0.0.2"}, "-N"},
			{{"-P", "80", "-S", "81"}, "-P"},
			{{"-i", "0"}, "-i: '0' is out of range"},
			{{"-c", "0"}, "-c: '0' is not a whole number from 1"},
			{{"--stack-storage-size", "0"},
			 "--stack-storage-size: '0' is not a whole number"},
			{{"--stack-storage-size", "65537"},
			 "--stack-storage-size: 65537 is more than 65536, the most allowed"},
			{{"--netns", "/nonexistent"}, "--netns"},
			{{"--bogus"}, "--bogus"},
			{{"--interface", "nosuchdev0"}, "--interface: no device 'nosuchdev0'"},
			{{"--interface", "a-name-of-16-chr"}, "--interface"},
			// The edges: -i inf never printed, -c -1 never ended.
			{{"-i", "inf"}, "-i: 'inf' is not a number of seconds, such as 2 or 0.5"},
			{{"-i", "nan"}, "-i: 'nan' is not a number of seconds"},
			{{"-i", "eth0"}, "-i: 'eth0' is not a number of seconds"},
			{{"-i", "1e9"},
			 "-i: '1e9' is out of range: seconds from 0.001 to 100000000"},
			{{"--interval", "-1"}, "--interval: '-1' is out of range"},
			{{"-c", "-1"}, "-c: '-1' is not a whole number from 1"},
			{{"--netns", "12345"}, "--netns: no network namespace has inode '12345'"},
			{{"--inptu"},
			 "unknown option '--inptu'; did you mean --input? (see 'nettrace skbstat -h')"},
			{{"-i", "1", "-i", "2"}, "-i: can be given only once"},
		});
}

TEST_F(SkbstatTest, InterfaceCountsOnlyPacketsOnThatDevice)
{
	// One namespace with two veths, to two peers: the same drops arrive
	// on each, 2 over the first and 4 over the second.
	TestNetns server, near, far;
	const VethPair first = server.add_veth(near, {"10.200.7.1/24", ""}, {"10.200.7.2/24", ""});
	const VethPair second = server.add_veth(far, {"10.200.8.1/24", ""}, {"10.200.8.2/24", ""});
	auto traffic = [&] {
		udp_to_closed_port(near, "10.200.7.2", "10.200.7.1", 7801, 2);
		udp_to_closed_port(far, "10.200.8.2", "10.200.8.1", 7801, 4);
	};
	const struct {
		std::vector<std::string> extra;
		std::uint64_t drops;
	} cases[] = {
		{{}, 2 + 4},
		{{"--interface", first.local_ifname}, 2},
		{{"--interface", second.local_ifname}, 4},
		{{"--interface", "lo"}, 0},
	};
	for (const auto &c : cases) {
		std::vector<std::string> args = {"--netns", server.path(), "-D", "7801",
						 "--json",  "-i",          "60"};
		args.insert(args.end(), c.extra.begin(), c.extra.end());
		SkbstatRun run(args);
		traffic();
		std::uint64_t no_socket = 0;
		for (const auto &[key, n] : stack_totals(parse_json_lines(run.stop().out), "drop"))
			no_socket += key == reason_shown("NO_SOCKET") + " __udp4_lib_rcv" ? n : 0;
		EXPECT_EQ(no_socket, c.drops) << ::testing::PrintToString(c.extra);
	}
}

TEST_F(SkbstatTest, ShortIntervalsUnderAStormStayFlatAndLoseNoStack)
{
	TestNetns ns;
	TempFile out_file;
	SkbstatRun run({"--netns", ns.path(), "--json", "-i", "0.1", "-c", "300"}, out_file.path);
	std::atomic<bool> storming{true};
	std::thread storm([&] {
		while (storming)
			tcp_syn_storm(ns, 41900, 7900, 2000);
	});
	// Memory once the first intervals have run, and again near the end.
	std::this_thread::sleep_for(std::chrono::seconds(5));
	const long rss_early = rss_kb(run.pid());
	std::this_thread::sleep_for(std::chrono::seconds(20));
	const long rss_late = rss_kb(run.pid());
	ProcessResult r = run.finish();
	storming = false;
	storm.join();
	ASSERT_EQ(r.exit_code, 0) << r.err;

	const auto intervals = parse_json_lines(out_file.read());
	EXPECT_EQ(intervals.size(), 300u);
	std::uint64_t drops = 0;
	for (const json &i : intervals) {
		EXPECT_EQ(i["type"], "interval") << i; // no "lost" record
		EXPECT_EQ(i["stacks_unrecorded"], 0) << i["time"];
		for (const json &row : i["drop"])
			EXPECT_TRUE(row["stack_recorded"].get<bool>());
		drops += total(stack_totals({i}, "drop"));
	}
	EXPECT_GT(drops, 0u);
	ASSERT_GT(rss_early, 0);
	if (!running_in_kernel_matrix()) {
		EXPECT_LT(rss_late - rss_early, 1024)
			<< rss_early << " kB -> " << rss_late << " kB";
	}
}

TEST_F(SkbstatTest, SocketPointsFilterInTheDirectionDataTravels)
{
	TestNetns ns;
	// A UDP exchange between two connected sockets: 127.0.0.1:42001 sends
	// one datagram to 127.0.0.1:42002, which reads it. (A socket point
	// knows the peer only of a connected socket.)
	const int server = ns.socket_in(AF_INET, SOCK_DGRAM);
	const int client = ns.socket_in(AF_INET, SOCK_DGRAM);
	auto bind_to = [](int fd, std::uint16_t port) {
		sockaddr_in a{};
		a.sin_family = AF_INET;
		a.sin_port = htons(port);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a));
	};
	auto connect_to = [](int fd, std::uint16_t port) {
		sockaddr_in a{};
		a.sin_family = AF_INET;
		a.sin_port = htons(port);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a));
	};
	ASSERT_EQ(bind_to(server, 42002), 0);
	ASSERT_EQ(bind_to(client, 42001), 0);
	ASSERT_EQ(connect_to(server, 42001), 0);
	ASSERT_EQ(connect_to(client, 42002), 0);
	auto exchange = [&] {
		char buf[16] = "ping";
		ASSERT_EQ(send(client, buf, 4, 0), 4);
		ASSERT_EQ(recv(server, buf, sizeof(buf), 0), 4);
	};
	// The sock tracepoints came in 6.3; before, the function points of
	// the UDP calls see the same socket.
	const bool sock_tracepoints = tracing_has_event("sock/sock_send_length");
	const char *send_point = sock_tracepoints ? "sock:sock_send_length" : "udp_sendmsg";
	const char *recv_point = sock_tracepoints ? "sock:sock_recv_length" : "udp_recvmsg";
	const struct {
		std::vector<std::string> args;
		const char *section;
		const char *point;
		std::uint64_t count;
	} cases[] = {
		// Sending, the local end is the source; receiving, the peer is.
		{{"--output", "-S", "42001"}, "egress", send_point, 1},
		{{"--output", "-D", "42001"}, "egress", send_point, 0},
		{{"--input", "-S", "42001"}, "ingress", recv_point, 1},
		{{"--input", "-D", "42001"}, "ingress", recv_point, 0},
		{{"--input", "-D", "42002", "-s", "127.0.0.1"}, "ingress", recv_point, 1},
	};
	for (const auto &c : cases) {
		auto args = c.args;
		args.insert(args.end(), {"--netns", ns.path(), "--json", "-i", "60", "--no-drop"});
		SkbstatRun run(args);
		exchange();
		const auto totals = point_totals(parse_json_lines(run.stop().out), c.section);
		const auto it = totals.find(c.point);
		EXPECT_EQ(it == totals.end() ? 0 : it->second, c.count)
			<< ::testing::PrintToString(c.args);
	}
	close(server);
	close(client);
}

TEST_F(SkbstatTest, DurationAndCountEndTheRunWithEveryInterval)
{
	TestNetns ns;
	// --duration ends with the partial interval it cut short.
	SkbstatRun timed({"--netns", ns.path(), "--json", "-i", "60", "--duration", "0.5"});
	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", 7950, 3);
	ProcessResult r = timed.finish();
	ASSERT_EQ(r.exit_code, 0) << r.err;
	const auto intervals = parse_json_lines(r.out);
	ASSERT_EQ(intervals.size(), 1u);
	EXPECT_EQ(total(stack_totals(intervals, "drop")), 3u);

	SkbstatRun counted({"--netns", ns.path(), "--json", "-i", "0.05", "-c", "4"});
	ProcessResult c = counted.finish();
	ASSERT_EQ(c.exit_code, 0) << c.err;
	EXPECT_EQ(parse_json_lines(c.out).size(), 4u);
}

TEST_F(SkbstatTest, ListReasonsNamesTheKernelsReasonsWithoutAttaching)
{
	const auto code = tracefs_reason_code("NO_SOCKET");
	if (!code)
		GTEST_SKIP() << "the kernel's skb:kfree_skb names no drop reason here";
	expect_reasons_listed("skbstat", *code);
}

TEST_F(SkbstatTest, NoStackCountsDropsPerReasonAndSiteWithoutStacks)
{
	TestNetns ns;
	const auto make_drops = [&] {
		udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", 7960, 4);
		for (int i = 0; i < 3; ++i)
			tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7961);
	};
	SkbstatRun text({"--netns", ns.path(), "--no-stack", "-i", "60"});
	make_drops();
	const std::string out = text.stop().out;
	// One line per reason and drop site, and not one frame.
	const std::string reason =
		kernel_passes_drop_reasons() ? R"(NO_SOCKET \(\d+\))" : R"(- \(-\))";
	for (const auto &[count, site] :
	     {std::pair{"4", "__udp4_lib_rcv"}, std::pair{"3", "tcp_v4_rcv"}})
		EXPECT_TRUE(std::regex_search(out, std::regex(std::string("\n         ") + count +
							      "      " + reason + " " + site +
							      R"(\+0x[0-9a-f]+\n)")))
			<< site << "\n"
			<< out;
	EXPECT_EQ(out.find("\n                "), std::string::npos) << out;
	// Two rows of one reason: the summary adds them up.
	EXPECT_TRUE(std::regex_search(out, std::regex(R"(\[REASONS\]\n         7      )" + reason +
						      "\n")))
		<< out;

	SkbstatRun json_run({"--netns", ns.path(), "--no-stack", "--json", "-i", "60"});
	make_drops();
	const auto intervals = parse_json_lines(json_run.stop().out);
	ASSERT_EQ(intervals.size(), 1u);
	std::map<std::string, std::uint64_t> by_site;
	for (const json &row : intervals[0]["drop"]) {
		EXPECT_FALSE(row.contains("stack")) << row;
		EXPECT_FALSE(row.contains("stack_recorded")) << row;
		const std::string site = row["location"];
		by_site[site.substr(0, site.find('+'))] += row["count"].get<std::uint64_t>();
	}
	EXPECT_EQ(by_site,
		  (std::map<std::string, std::uint64_t>{{"__udp4_lib_rcv", 4}, {"tcp_v4_rcv", 3}}));
	EXPECT_EQ(reason_totals(intervals),
		  (std::map<std::string, std::uint64_t>{{reason_shown("NO_SOCKET"), 7}}));
}

TEST_F(SkbstatTest, JsonIntervalsCarryTheirStartAndLength)
{
	TestNetns ns;
	SkbstatRun run({"--netns", ns.path(), "--json", "-i", "1", "--duration", "1.5"});
	const ProcessResult r = run.finish();
	ASSERT_EQ(r.exit_code, 0) << r.err;
	const auto intervals = parse_json_lines(r.out);
	ASSERT_EQ(intervals.size(), 2u) << r.out;
	for (const json &i : intervals) {
		ASSERT_TRUE(i.contains("start")) << i;
		ASSERT_TRUE(i["seconds"].is_number()) << i;
	}
	// Each interval starts where the one before ended.
	EXPECT_EQ(intervals[1]["start"], intervals[0]["time"]);
	EXPECT_LT(intervals[0]["start"].get<std::string>(),
		  intervals[0]["time"].get<std::string>());
	// The first ran for -i from attaching, which is earlier than the
	// loop's clock starts (the kernel's symbols are read in between); the
	// last was cut short by --duration, half an interval after the first.
	const double first = intervals[0]["seconds"], last = intervals[1]["seconds"];
	EXPECT_GE(first, 0.99);
	EXPECT_LT(first, 3.0);
	EXPECT_GE(last, 0.4);
	EXPECT_LT(last, 0.8);
}

TEST_F(SkbstatTest, SkippedPointsAreOneShortLineUnlessVerbose)
{
	TestNetns ns;
	// Function points never attach as tp_btf, on any kernel.
	const std::vector<std::string> args = {"--netns", ns.path(),    "--input", "--attach",
					       "tp_btf",  "--duration", "0.2"};
	const auto skipped_lines = [](const std::string &err) {
		std::vector<std::string> lines;
		std::istringstream in(err);
		for (std::string l; std::getline(in, l);)
			if (l.rfind("nettrace skbstat: skipped ", 0) == 0)
				lines.push_back(l);
		return lines;
	};
	SkbstatRun quiet(args);
	const ProcessResult q = quiet.finish();
	ASSERT_EQ(q.exit_code, 0) << q.err;
	const auto short_lines = skipped_lines(q.err);
	ASSERT_EQ(short_lines.size(), 1u) << q.err;
	EXPECT_TRUE(std::regex_match(
		short_lines[0],
		std::regex(
			R"(nettrace skbstat: skipped \d+ points that cannot attach here; -v says why)")))
		<< short_lines[0];
	EXPECT_LE(short_lines[0].size(), 80u);

	auto verbose_args = args;
	verbose_args.push_back("-v");
	SkbstatRun verbose(verbose_args);
	const ProcessResult v = verbose.finish();
	ASSERT_EQ(v.exit_code, 0) << v.err;
	const auto long_lines = skipped_lines(v.err);
	ASSERT_FALSE(long_lines.empty()) << v.err;
	EXPECT_NE(long_lines[0].find("ip_rcv, "), std::string::npos) << long_lines[0];
	EXPECT_NE(long_lines[0].find(": not a tracepoint (--attach tp_btf)"), std::string::npos)
		<< long_lines[0];
}

TEST_F(SkbstatTest, IntervalsWithNothingToReportPrintNothing)
{
	// A namespace no packet goes through.
	TestNetns ns;
	SkbstatRun idle(
		{"--netns", ns.path(), "--input", "--output", "--consume", "-i", "0.1", "-c", "3"});
	const ProcessResult r = idle.finish();
	ASSERT_EQ(r.exit_code, 0) << r.err;
	EXPECT_EQ(r.out, "");
}

TEST_F(SkbstatTest, DropsNoRowCouldCountAreLostRecordsInTheJsonStream)
{
	// 4096 distinct drop stacks in one interval are more than a test can
	// make on purpose, so the live generation's row table is filled from
	// outside, with rows that count nothing: every real drop then finds
	// it full, as it would in a storm of distinct stacks.
	TestNetns ns;
	SkbstatRun run({"--netns", ns.path(), "--json", "-i", "60"});
	const int rows = map_of_process(run.pid(), "drop_rows_0");
	ASSERT_GE(rows, 0) << "skbstat holds no drop_rows_0 map";
	for (__u64 i = 0; i < SKBSTAT_MAX_STACKS; ++i) {
		const skbstat_stack_key key{-2, 0, 0x1000 + i, NT_FREE_DROP, 0};
		const __u64 nothing = 0;
		ASSERT_EQ(bpf_map_update_elem(rows, &key, &nothing, BPF_NOEXIST), 0) << i;
	}
	close(rows);
	constexpr int made = 3;
	for (int i = 0; i < made; ++i)
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7801);
	const ProcessResult r = run.stop();
	std::vector<json> intervals, lost;
	for (json &record : parse_json_lines(r.out))
		(record.value("type", "") == "lost" ? lost : intervals)
			.push_back(std::move(record));
	ASSERT_EQ(intervals.size(), 1u);
	EXPECT_EQ(intervals[0]["type"], "interval");
	// Said once, in the "lost" record: a reader adding up every record's
	// losses must not count them twice.
	EXPECT_FALSE(intervals[0].contains("not_counted")) << intervals[0];
	// Counted and lost add up to the drops made: here, all were lost.
	EXPECT_EQ(total(stack_totals(intervals, "drop")), 0u);
	ASSERT_EQ(lost.size(), 1u) << r.out.substr(0, 200);
	EXPECT_EQ(lost[0]["cause"], "row_table_full");
	EXPECT_EQ(lost[0]["events"], made);
	EXPECT_EQ(lost[0]["total"], made);
	EXPECT_EQ(lost[0]["time"], intervals[0]["time"]);
	// Standard error says it too, for the interval and in total.
	EXPECT_NE(r.err.find("nettrace skbstat: 3 events lost (stack-row table full)\n"),
		  std::string::npos)
		<< r.err;
	EXPECT_NE(r.err.find("nettrace skbstat: 3 events lost in total (stack-row table full)\n"),
		  std::string::npos)
		<< r.err;
}

TEST_F(SkbstatTest, HiddenKernelAddressesAreWarnedAboutAsTcpdropDoes)
{
	// A user allowed to trace (CAP_BPF, CAP_PERFMON) but not to see kernel
	// addresses (no CAP_SYSLOG): /proc/kallsyms shows it only zeros.
	UnprivilegedUser user;
	const std::vector<std::string> as_user = {
		"setpriv",        "--reuid=" + user.name,     "--regid=" + user.name,
		"--clear-groups", "--inh-caps=+bpf,+perfmon", "--ambient-caps=+bpf,+perfmon"};
	auto run_as_user = [&](std::vector<std::string> command) {
		command.insert(command.begin(), as_user.begin(), as_user.end());
		return run_process(command, {"NETTRACE_CACHE_DIR="});
	};
	const ProcessResult kallsyms = run_as_user({"head", "-n", "1", "/proc/kallsyms"});
	ASSERT_EQ(kallsyms.exit_code, 0) << kallsyms.err;
	if (kallsyms.out.rfind("0000000000000000 ", 0) != 0)
		GTEST_SKIP() << "this kernel shows addresses to a user without CAP_SYSLOG "
				"(kernel.perf_event_paranoid below 2?)";
	for (const std::string tool : {"skbstat", "tcpdrop"}) {
		const ProcessResult r = run_as_user({nettrace_binary(), tool, "--duration", "0.2"});
		if (r.exit_code != 0 && r.err.find("Operation not permitted") != std::string::npos)
			GTEST_SKIP() << "this kernel refuses " << tool << "'s programs to a user "
				     << "with only CAP_BPF and CAP_PERFMON: " << r.err;
		EXPECT_EQ(r.exit_code, 0) << tool << ": " << r.err;
		const std::string warning =
			"nettrace " + tool + ": /proc/kallsyms shows zero addresses: ";
		const auto at = r.err.find(warning);
		ASSERT_NE(at, std::string::npos) << tool << ": " << r.err;
		const std::string line = r.err.substr(at, r.err.find('\n', at) - at);
		EXPECT_TRUE(line.ends_with("; stacks and drop sites are shown as addresses"))
			<< line;
		// What is missing is CAP_SYSLOG, not root: the advice says that.
		EXPECT_NE(line.find("CAP_SYSLOG"), std::string::npos) << line;
		EXPECT_EQ(line.find("run as root"), std::string::npos) << line;
	}
	// Following it gives named frames: no warning with CAP_SYSLOG added.
	const std::vector<std::string> with_syslog = {"setpriv",
						      "--reuid=" + user.name,
						      "--regid=" + user.name,
						      "--clear-groups",
						      "--inh-caps=+bpf,+perfmon,+syslog",
						      "--ambient-caps=+bpf,+perfmon,+syslog",
						      nettrace_binary(),
						      "tcpdrop",
						      "--duration",
						      "0.2"};
	const ProcessResult granted = run_process(with_syslog, {"NETTRACE_CACHE_DIR="});
	EXPECT_EQ(granted.exit_code, 0) << granted.err;
	EXPECT_EQ(granted.err.find("/proc/kallsyms shows zero addresses"), std::string::npos)
		<< granted.err;
}
