// SPDX-License-Identifier: MIT
// nettrace skbstat killed without a chance to clean up.
#include "netns.hpp"
#include "requirements.hpp"
#include "sigkill_check.hpp"
#include "skbstat_run.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include <gtest/gtest.h>

using namespace nettrace::test;

class SkbstatSurvivalTest : public ::testing::Test {
protected:
	void SetUp() override { NETTRACE_REQUIRE_BPF(); }
};

TEST_F(SkbstatSurvivalTest, SigkillInAStormLeavesNothingAttachedAndTheNextRunWorks)
{
	TestNetns ns;
	{
		TempFile out_file;
		// Every kind of point this kernel attaches: function points try
		// fentry, then kprobes, which leave tracefs events when made there.
		SkbstatRun run({"--netns", ns.path(), "--input", "--output", "--json", "-i", "0.2"},
			       out_file.path);
		expect_sigkill_leaves_nothing(
			run, [&] { tcp_syn_storm(ns, 41720, 7720, 5000); }, "skbstat");
	}
	SkbstatRun next({"--netns", ns.path(), "-p", "tcp", "-P", "7721", "--json", "-i", "60"});
	for (int i = 0; i < 3; ++i)
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7721);
	const auto intervals = parse_json_lines(next.stop().out);
	EXPECT_EQ(stack_totals(intervals, "drop"),
		  (std::map<std::string, std::uint64_t>{
			  {std::string(kernel_passes_drop_reasons() ? "NO_SOCKET" : "-") +
				   " tcp_v4_rcv",
			   3}}));
}
