// SPDX-License-Identifier: MIT
// nettrace tcpdrop as a long-lived process meets it: killed without a
// chance to clean up, run twice at once on the same drops, hung up on, and
// left with a reader that stops reading.
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

#include <chrono>
#include <csignal>
#include <fstream>
#include <set>
#include <thread>

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

// An ssh session that drops sends SIGHUP to `nettrace tcpdrop > file`:
// what was buffered must reach the file, as on SIGINT.
TEST_F(TcpdropSurvivalTest, SighupWritesOutEveryRecordLikeSigint)
{
	TestNetns ns;
	TempFile out_file;
	TcpdropRun run({"--netns", ns.path(), "-D", "7720", "--no-stack"}, true, out_file.path);
	constexpr int drops = 12;
	for (int i = 0; i < drops; ++i)
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7720);
	kill(run.pid(), SIGHUP);
	const ProcessResult r = run.finish();
	EXPECT_EQ(r.signal, 0) << "killed by signal " << r.signal;
	EXPECT_EQ(r.exit_code, 0) << r.err;
	EXPECT_EQ(parse_json_lines(out_file.read()).size(), static_cast<size_t>(drops));
}

namespace {

// Whether process `pid` has ended (a zombie not yet reaped counts).
bool has_ended(int pid)
{
	std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
	std::string stat;
	std::getline(in, stat);
	const auto close = stat.rfind(')');
	return close == std::string::npos || stat.substr(close + 2, 1) == "Z";
}

} // namespace

// --duration bounds the run even when the reader of the output stops
// reading and the pipe fills: the tool must not wait for the reader.
TEST_F(TcpdropSurvivalTest, DurationEndsOnTimeWhenTheReaderStalls)
{
	TestNetns ns;
	// Text with stacks: a thousand drops are far more than a pipe holds.
	TcpdropRun run({"--netns", ns.path(), "-D", "7730", "--duration", "1"});
	const auto ready = std::chrono::steady_clock::now();
	tcp_syn_storm(ns, 41730, 7730, 2000);
	// The test reads nothing until the run has ended or 15 s have passed.
	while (!has_ended(run.pid()) && std::chrono::steady_clock::now() - ready < 15s)
		std::this_thread::sleep_for(50ms);
	const auto took = std::chrono::steady_clock::now() - ready;
	const ProcessResult r = run.finish();
	// One second of run and one of draining, with room for a loaded
	// machine; waiting for the reader would take the whole 15 s.
	EXPECT_LT(took, 6s) << "ran " << std::chrono::duration<double>(took).count() << " s";
	EXPECT_EQ(r.exit_code, 1) << r.err;
	EXPECT_NE(r.err.find("nettrace tcpdrop: cannot write the output: its reader stopped "
			     "taking it"),
		  std::string::npos)
		<< r.err;
	// What the reader got before the end stops at the end of a line.
	ASSERT_FALSE(r.out.empty());
	EXPECT_EQ(r.out.back(), '\n')
		<< r.out.substr(r.out.size() - std::min<std::size_t>(r.out.size(), 200));
}
