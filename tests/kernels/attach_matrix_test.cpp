// SPDX-License-Identifier: MIT
// What each attach mechanism does on the kernel this runs on, checked
// against what that kernel is known to allow. The kernel matrix
// (tests/vm/kernel-stage) runs it under Debian's 6.1 and 6.12 kernels and
// says what each allows in the environment:
//
//   NETTRACE_EXPECT_ATTACH         mechanisms beyond tracepoints: "fentry kprobe ..."
//   NETTRACE_EXPECT_KFREE_SKB_ARGS arguments skb:kfree_skb passes to tp_btf
#include "attach_probe.hpp"
#include "netns.hpp"
#include "process.hpp"
#include "requirements.hpp"
#include "skbstat_run.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include <kernel/drop_reasons/sources.hpp>
#include <nettrace/common/bpf/skeleton.hpp>
#include <nettrace/common/kernel/drop_reasons.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <set>
#include <sstream>

using namespace nettrace;
using namespace nettrace::test;

namespace {

// The matrix's word on whether kfree_skb passes a drop reason here (3 or
// more arguments, 5.17 on).
bool kfree_skb_passes_reasons()
{
	const char *args = std::getenv("NETTRACE_EXPECT_KFREE_SKB_ARGS");
	return !args || std::string(args) != "2";
}

// The matrix's word on this kernel; the test cannot run without it.
std::set<std::string> expected_mechanisms()
{
	std::set<std::string> out;
	std::istringstream in(std::getenv("NETTRACE_EXPECT_ATTACH"));
	for (std::string m; in >> m;)
		out.insert(m);
	return out;
}

class AttachMatrix : public testing::Test {
protected:
	void SetUp() override
	{
		NETTRACE_REQUIRE_BPF();
		if (!std::getenv("NETTRACE_EXPECT_ATTACH"))
			NETTRACE_SKIP_OR_FAIL("NETTRACE_EXPECT_ATTACH is not set: these tests "
					      "run in the kernel matrix (tests/vm/kernel-stage)");
		expected_ = expected_mechanisms();
	}
	bool expects(const std::string &m) const { return expected_.count(m) > 0; }
	std::set<std::string> expected_;
};

// Three SYNs to closed port 80 and two to 81, each SYN answered by a RST,
// all on lo: what `skbstat -p tcp -P 80 --input --output` must count.
void connects_to_80_and_81(const TestNetns &ns)
{
	for (int i = 0; i < 3; ++i)
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 80);
	for (int i = 0; i < 2; ++i)
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 81);
}

} // namespace

TEST_F(AttachMatrix, TheKernelAllowsWhatTheMatrixSays)
{
	for (const std::string &m : attach_mechanisms()) {
		const std::string error = try_attach_mechanism(m);
		if (expects(m))
			EXPECT_EQ(error, "") << m;
		else
			EXPECT_NE(error, "") << m << " works, but the matrix says it does not";
	}
}

TEST_F(AttachMatrix, SkbstatAutoModePicksTheBestMechanismForEveryFunctionPoint)
{
	const std::string best = expects("fentry") ? "fentry" : expects("kprobe") ? "kprobe" : "-";
	const ProcessResult r = run_process({nettrace_binary(), "skbstat", "--list-probes"});
	ASSERT_EQ(r.exit_code, 0) << r.err;
	std::istringstream in(r.out);
	std::string line;
	std::getline(in, line); // header
	int functions = 0;
	while (std::getline(in, line)) {
		std::istringstream words(line);
		std::string point, section, mechanism;
		words >> point >> section >> mechanism;
		if (point.find(':') != std::string::npos)
			continue;
		++functions;
		EXPECT_EQ(mechanism, best) << line;
	}
	EXPECT_EQ(functions, 31);
}

TEST_F(AttachMatrix, SkbstatForcedMechanismsCountEveryPacketAtTheSeedsPoints)
{
	for (const std::string mode : {"fentry", "kprobe"}) {
		if (!expects(mode))
			continue;
		SCOPED_TRACE(mode);
		TestNetns ns;
		SkbstatRun run({"--attach", mode, "-p", "tcp", "-P", "80", "--input", "--output",
				"--netns", ns.path(), "--json", "-i", "60"});
		connects_to_80_and_81(ns);
		const auto intervals = parse_json_lines(run.stop().out);
		const auto ingress = point_totals(intervals, "ingress");
		const auto egress = point_totals(intervals, "egress");
		// Every SYN and RST passes these, as the classic layout lists them.
		for (const char *point :
		     {"ip_rcv", "ip_local_deliver", "ip_local_deliver_finish", "tcp_v4_rcv"}) {
			ASSERT_TRUE(ingress.count(point)) << point;
			EXPECT_EQ(ingress.at(point), 6u) << point;
		}
		for (const char *point : {"ip_output", "ip_finish_output", "ip_finish_output2"}) {
			ASSERT_TRUE(egress.count(point)) << point;
			EXPECT_EQ(egress.at(point), 6u) << point;
		}
		// Inlined into __ip_queue_xmit on 6.1 and 6.12: the SYNs bypass it,
		// the RSTs pass it. On 5.10 it is inlined on the RSTs' path too.
		const auto local_out = egress.find("ip_local_out");
		EXPECT_EQ(local_out == egress.end() ? 0u : local_out->second,
			  kfree_skb_passes_reasons() ? 3u : 0u);
		for (const auto &[point, n] : ingress)
			EXPECT_TRUE(point.find(':') == std::string::npos)
				<< point << " by " << mode;
		EXPECT_EQ(stack_totals(intervals, "drop"),
			  (std::map<std::string, std::uint64_t>{
				  {std::string(kfree_skb_passes_reasons() ? "NO_SOCKET" : "-") +
					   " tcp_v4_rcv",
				   3}}));
	}
}

TEST_F(AttachMatrix, TcpdropPicksTheRichestKfreeSkbAndNamesReasonsAsTracefsDoes)
{
	const char *args_env = std::getenv("NETTRACE_EXPECT_KFREE_SKB_ARGS");
	ASSERT_NE(args_env, nullptr) << "NETTRACE_EXPECT_KFREE_SKB_ARGS is not set";
	const std::string args(args_env);
	const std::string variant = args == "4" ? "tp_btf/kfree_skb (skb, location, reason, rx_sk)"
				    : args == "3" ? "tp_btf/kfree_skb (skb, location, reason)"
						  : "tp_btf/kfree_skb (skb, location)";
	TestNetns ns;
	drop_input_with_nft(ns, "tcp dport 7802");
	TracerRun run({"tcpdrop", "-v", "--json", "--netns", ns.path()},
		      "nettrace tcpdrop: attached", true);
	tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7801);           // NO_SOCKET
	tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7802, 0, false); // NETFILTER_DROP
	const ProcessResult r = run.stop();
	EXPECT_NE(r.err.find("nettrace tcpdrop: attached " + variant + "\n"), std::string::npos)
		<< r.err;

	// Before 5.17 the kernel passes no reason: none is made up.
	if (args == "2") {
		const auto events = parse_json_lines(r.out);
		ASSERT_EQ(events.size(), 2u) << r.out;
		for (const auto &e : events) {
			EXPECT_TRUE(e["reason"].is_null()) << e;
			EXPECT_TRUE(e["reason_code"].is_null()) << e;
		}
		return;
	}
	// The kernel's own names for its codes, from its trace format: they
	// are renumbered between versions (NO_SOCKET is 2 on 6.1, 3 on 6.12).
	const DropReasons tracefs = drop_reasons::from_tracefs();
	std::map<std::string, std::uint32_t> seen;
	for (const auto &e : parse_json_lines(r.out))
		seen[e["reason"].get<std::string>()] = e["reason_code"].get<std::uint32_t>();
	ASSERT_EQ(seen.size(), 2u) << r.out;
	for (const auto &[name, code] : seen)
		EXPECT_EQ(tracefs.name(code), name) << code;
	EXPECT_EQ(seen.count("NO_SOCKET"), 1u);
	EXPECT_EQ(seen.count("NETFILTER_DROP"), 1u);
}
