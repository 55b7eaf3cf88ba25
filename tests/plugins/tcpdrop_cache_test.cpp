// SPDX-License-Identifier: MIT
// The kernel cache under faults a long-lived machine brings: files cut
// short or damaged on disk, a directory that cannot be written. Tracing
// must go on and report exactly what it reports without a cache, with one
// line on stderr saying what was wrong.
#include "cache_directory.hpp"
#include "netns.hpp"
#include "process.hpp"
#include "requirements.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>
#include <sstream>

using namespace nettrace::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// What one run reported: its one drop (without the time, which each run
// converts itself), the same drop as a run without a cache reported it,
// and its stderr lines about the cache.
struct CachedRun {
	json drop;
	json uncached_drop;
	std::vector<std::string> cache_warnings;
	std::string err;
};

const std::string attached = "nettrace tcpdrop: attached";

// The one drop `proc` printed, without its time.
json only_drop(BackgroundProcess &proc, ProcessResult &r)
{
	r = proc.finish();
	EXPECT_EQ(r.exit_code, 0) << r.err;
	const auto events = parse_json_lines(r.out);
	EXPECT_EQ(events.size(), 1u) << r.out;
	json drop = events.empty() ? json() : events[0];
	drop.erase("time");
	return drop;
}

// `nettrace tcpdrop -c 1` with `env`, started through `wrapper` (a command
// that ends by running the rest of its arguments), beside one with no
// cache, and one SYN to a closed port of `ns` that both report.
CachedRun run_one_drop(const TestNetns &ns, const std::vector<std::string> &env,
		       const std::vector<std::string> &wrapper = {})
{
	const std::vector<std::string> command = {nettrace_binary(), "tcpdrop", "--netns",
						  ns.path(),         "-c",      "1",
						  "--json",          "-v"};
	std::vector<std::string> argv = wrapper;
	argv.insert(argv.end(), command.begin(), command.end());
	BackgroundProcess proc(argv, env), uncached(command, {"NETTRACE_CACHE_DIR="});
	EXPECT_TRUE(proc.wait_for(attached, 20s, true)) << proc.err();
	EXPECT_TRUE(uncached.wait_for(attached, 20s, true)) << uncached.err();
	tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7800);
	CachedRun run;
	ProcessResult r, r_uncached;
	run.drop = only_drop(proc, r);
	run.uncached_drop = only_drop(uncached, r_uncached);
	EXPECT_EQ(run.uncached_drop["reason"],
		  kernel_passes_drop_reasons() ? json("NO_SOCKET") : json());
	run.err = r.err;
	std::istringstream lines(r.err);
	for (std::string line; std::getline(lines, line);)
		if (line.find("kernel cache") != std::string::npos)
			run.cache_warnings.push_back(line);
	return run;
}

std::string file_bytes(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	return std::string(std::istreambuf_iterator<char>(in), {});
}

void replace_file(const std::string &path, const std::string &bytes)
{
	std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

struct Damage {
	const char *how;
	std::function<void(std::string &)> apply;
};

const Damage cut_in_half = {"cut in half", [](std::string &b) { b.resize(b.size() / 2); }};
const Damage flipped_byte = {"a byte flipped in the middle", [](std::string &b) {
				     b[b.size() / 2] = static_cast<char>(~b[b.size() / 2]);
			     }};
const Damage emptied = {"emptied", [](std::string &b) { b.clear(); }};
// Still JSON, still the same shape: only a checksum tells it from the
// real answers.
const Damage renamed_reason = {
	"a drop reason renamed", [](std::string &b) {
		size_t renamed = 0;
		for (size_t at; (at = b.find("NO_SOCKET")) != std::string::npos; ++renamed)
			b.replace(at, 9, "NO_SOCKEX");
		ASSERT_GT(renamed, 0u) << "facts.json names no NO_SOCKET: " << b;
		ASSERT_FALSE(json::parse(b, nullptr, false).is_discarded());
	}};

// For each damage to the file `name` of a fresh cache (a '*' at its end
// matches the rest of the name): the run after it reports what a run
// without a cache reports, says once on stderr which file was damaged,
// and makes the file again, so that the run after that says nothing.
void expect_damage_caught(const std::string &name, const std::vector<Damage> &damages)
{
	TestNetns ns;
	for (const Damage &damage : damages) {
		SCOPED_TRACE(name + " " + damage.how);
		CacheDirectory cache;
		const std::vector<std::string> env = {"NETTRACE_CACHE_DIR=" + cache.path()};
		const CachedRun cold = run_one_drop(ns, env);
		EXPECT_EQ(cold.drop, cold.uncached_drop);
		const std::string path = cache.find(name);
		ASSERT_FALSE(path.empty()) << "the cache holds no " << name;
		std::string bytes = file_bytes(path);
		damage.apply(bytes);
		replace_file(path, bytes);

		const CachedRun damaged = run_one_drop(ns, env);
		EXPECT_EQ(damaged.drop, damaged.uncached_drop) << damaged.err;
		EXPECT_EQ(damaged.cache_warnings.size(), 1u) << damaged.err;
		const std::string file = path.substr(path.rfind('/') + 1);
		for (const std::string &line : damaged.cache_warnings)
			EXPECT_NE(line.find(file), std::string::npos) << line;

		const CachedRun after = run_one_drop(ns, env);
		EXPECT_EQ(after.drop, after.uncached_drop);
		EXPECT_EQ(after.cache_warnings, std::vector<std::string>{}) << after.err;
	}
}

// A run whose cache directory is a tmpfs mounted with `options` in a
// mount namespace of its own (gone with the process), after `prepare`
// ran there (sh, with the directory as $0): one warning naming the
// directory, and the drop reported as without a cache.
void expect_unwritable_cache_warned_once(const std::string &options, const std::string &prepare)
{
	TestNetns ns;
	TempDir mountpoint;
	const std::vector<std::string> wrapper = {"unshare",
						  "--mount",
						  "--propagation",
						  "private",
						  "sh",
						  "-c",
						  "mount -t tmpfs -o " + options +
							  ",mode=0700 nettrace-test \"$0\" && " +
							  prepare + " && exec \"$@\"",
						  mountpoint.path};
	const CachedRun run = run_one_drop(ns, {"NETTRACE_CACHE_DIR=" + mountpoint.path}, wrapper);
	EXPECT_EQ(run.drop, run.uncached_drop) << run.err;
	ASSERT_EQ(run.cache_warnings.size(), 1u) << run.err;
	EXPECT_NE(run.cache_warnings[0].find(mountpoint.path), std::string::npos)
		<< run.cache_warnings[0];
}

} // namespace

class TcpdropCacheTest : public ::testing::Test {
protected:
	void SetUp() override { NETTRACE_REQUIRE_BPF(); }
};

TEST_F(TcpdropCacheTest, DamagedFactsAreCaughtWarnedAndMadeAgain)
{
	std::vector<Damage> damages = {cut_in_half, flipped_byte, emptied};
	// Before 5.17 the facts hold no drop-reason table to rename in.
	if (kernel_passes_drop_reasons())
		damages.push_back(renamed_reason);
	expect_damage_caught("facts.json", damages);
}

TEST_F(TcpdropCacheTest, DamagedCoreBtfIsCaughtWarnedAndMadeAgain)
{
	expect_damage_caught("core-tcpdrop-*", {cut_in_half, flipped_byte, emptied});
}

TEST_F(TcpdropCacheTest, AReadOnlyCacheIsWarnedOnceAndTracingWorks)
{
	expect_unwritable_cache_warned_once("ro", "true");
}

TEST_F(TcpdropCacheTest, AFullCacheIsWarnedOnceAndTracingWorks)
{
	// Filled to the last block: the directories fit, no file does.
	expect_unwritable_cache_warned_once(
		"size=16k", "{ dd if=/dev/zero of=\"$0/filler\" bs=1k 2>/dev/null; true; }");
}
