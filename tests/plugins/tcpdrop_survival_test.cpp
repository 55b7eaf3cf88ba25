// SPDX-License-Identifier: MIT
// nettrace tcpdrop as a long-lived process meets it: killed without a
// chance to clean up, and run twice at once on the same drops.
#include "cache_directory.hpp"
#include "netns.hpp"
#include "process.hpp"
#include "requirements.hpp"
#include "sigkill_check.hpp"
#include "tcpdrop_run.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

using namespace nettrace::test;
using nlohmann::json;
using namespace std::chrono_literals;

class TcpdropSurvivalTest : public ::testing::Test {
protected:
	void SetUp() override { NETTRACE_REQUIRE_BPF(); }
};

TEST_F(TcpdropSurvivalTest, SigkillInAStormLeavesNothingAttachedAndTheNextRunWorks)
{
	TestNetns ns;
	{
		TempFile out_file;
		TcpdropRun run({"--netns", ns.path(), "-D", "7700"}, true, out_file.path);
		expect_sigkill_leaves_nothing(
			run, [&] { tcp_syn_storm(ns, 41700, 7700, 5000); }, "tcpdrop");
	}
	TcpdropRun next({"--netns", ns.path(), "-c", "1"}, true);
	const auto sport = tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7701);
	const ProcessResult r = next.finish();
	ASSERT_EQ(r.exit_code, 0) << r.err;
	const auto events = parse_json_lines(r.out);
	ASSERT_EQ(events.size(), 1u) << r.out;
	EXPECT_EQ(events[0]["sport"], sport);
	EXPECT_EQ(events[0]["dport"], 7701);
	EXPECT_EQ(events[0]["reason"], kernel_passes_drop_reasons() ? json("NO_SOCKET") : json());
}

TEST_F(TcpdropSurvivalTest, TwoRunsAtOnceBothPrintEveryDrop)
{
	// Both start together on an empty cache, so they also make it at once.
	CacheDirectory cache;
	TestNetns ns;
	constexpr int drops = 20;
	const std::vector<std::string> argv = {nettrace_binary(), "tcpdrop", "--netns",
					       ns.path(),         "-c",      std::to_string(drops),
					       "--json",          "-v"};
	const std::vector<std::string> env = {"NETTRACE_CACHE_DIR=" + cache.path()};
	BackgroundProcess first(argv, env), second(argv, env);
	for (BackgroundProcess *run : {&first, &second})
		ASSERT_TRUE(run->wait_for("nettrace tcpdrop: attached", 20s, true)) << run->err();
	std::set<int> dports;
	for (int i = 0; i < drops; ++i) {
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7710 + i);
		dports.insert(7710 + i);
	}
	std::vector<std::vector<json>> seen;
	for (BackgroundProcess *run : {&first, &second}) {
		const ProcessResult r = run->finish();
		EXPECT_EQ(r.exit_code, 0) << r.err;
		std::vector<json> events = parse_json_lines(r.out);
		std::set<int> ports;
		for (json &e : events) {
			ports.insert(e["dport"].get<int>());
			e.erase("time"); // each run converts the kernel's clock itself
		}
		EXPECT_EQ(ports, dports);
		seen.push_back(std::move(events));
	}
	ASSERT_EQ(seen[0].size(), static_cast<size_t>(drops));
	EXPECT_EQ(seen[1], seen[0]);
}
