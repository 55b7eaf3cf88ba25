// SPDX-License-Identifier: MIT
// The standard options every tracing command shares, parsed as a command
// parses them: what each accepts, the one-line error for what it does not.
#include <nettrace/common/bpf/event_loop.hpp>
#include <nettrace/common/tool/standard_options.hpp>

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

using namespace nettrace;

namespace {

// Parses `args` as a command with every standard option, then checks them.
StandardOptions parse(std::vector<std::string> args, unsigned which = ~0u)
{
	StandardOptions o;
	boost::program_options::options_description desc("options");
	add_standard_options(desc, o, which);
	args.insert(args.begin(), "nettrace-test");
	std::vector<char *> argv;
	for (std::string &a : args)
		argv.push_back(a.data());
	const auto vm = parse_command_line(static_cast<int>(argv.size()), argv.data(), desc);
	check_standard_options(vm, o);
	return o;
}

std::string usage_error(std::vector<std::string> args)
{
	try {
		parse(std::move(args));
	} catch (const UsageError &e) {
		return e.what();
	}
	return "(accepted)";
}

} // namespace

TEST(StandardOptions, ParsesEachOption)
{
	const StandardOptions o =
		parse({"-v", "--json", "-c", "3", "--duration", "1.5", "-i", "0.25"});
	EXPECT_TRUE(o.verbose);
	EXPECT_TRUE(o.json);
	EXPECT_EQ(o.limits.count, 3u);
	EXPECT_DOUBLE_EQ(o.limits.seconds, 1.5);
	EXPECT_EQ(o.interval_duration(), std::chrono::milliseconds(250));
}

TEST(StandardOptions, BadValuesAreOneLineUsageErrors)
{
	EXPECT_EQ(usage_error({"-i", "0"}), "--interval: must be at least 0.001 seconds");
	EXPECT_EQ(usage_error({"--interval", "0.0001"}),
		  "--interval: must be at least 0.001 seconds");
	EXPECT_EQ(usage_error({"-i", "nan"}), "--interval: must be at least 0.001 seconds");
	EXPECT_EQ(usage_error({"-c", "0"}), "--count: must be at least 1");
	EXPECT_EQ(usage_error({"--duration", "0"}),
		  "--duration: must be a number of seconds from 0.001 to 100000000");
	for (const std::string &e : {usage_error({"-i", "x"}), usage_error({"-c", "-1"})})
		EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

TEST(StandardOptions, OnlyTheOptionsAskedForExist)
{
	std::ostringstream help;
	StandardOptions o;
	boost::program_options::options_description desc("options");
	add_standard_options(desc, o, standard_option::limits | standard_option::verbose);
	help << desc;
	EXPECT_NE(help.str().find("--count"), std::string::npos);
	EXPECT_NE(help.str().find("--verbose"), std::string::npos);
	EXPECT_EQ(help.str().find("--interval"), std::string::npos);
	EXPECT_EQ(help.str().find("--json"), std::string::npos);
	EXPECT_THROW(parse({"--json"}, standard_option::verbose), UsageError);
}

TEST(StandardOptions, RunLimitsBecomeTheLoopsStopConditions)
{
	const RunLimits limits{.count = 5, .seconds = 2};
	const StopAfter events = StopAfter::from(limits, StopAfter::Count::Events);
	EXPECT_EQ(events.events, 5u);
	EXPECT_EQ(events.ticks, 0u);
	EXPECT_EQ(events.duration, std::chrono::seconds(2));
	const StopAfter ticks = StopAfter::from(limits, StopAfter::Count::Ticks);
	EXPECT_EQ(ticks.events, 0u);
	EXPECT_EQ(ticks.ticks, 5u);
	EXPECT_EQ(ticks.duration, std::chrono::seconds(2));
	EXPECT_EQ(StopAfter::from({}, StopAfter::Count::Events).duration.count(), 0);
}
