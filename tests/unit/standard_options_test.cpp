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
	EXPECT_EQ(usage_error({"-i", "0"}),
		  "-i: '0' is out of range: seconds from 0.001 to 100000000");
	EXPECT_EQ(usage_error({"--interval", "0.0001"}),
		  "--interval: '0.0001' is out of range: seconds from 0.001 to 100000000");
	EXPECT_EQ(usage_error({"-c", "0"}), "-c: '0' is not a whole number from 1, such as 10");
	EXPECT_EQ(usage_error({"--duration", "0"}),
		  "--duration: '0' is out of range: seconds from 0.001 to 100000000");
	for (const std::string &e : {usage_error({"-i", "x"}), usage_error({"-c", "-1"})})
		EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

TEST(StandardOptions, ABadValueNamesTheFormItTakes)
{
	EXPECT_EQ(usage_error({"--duration", "1s"}),
		  "--duration: '1s' is not a number of seconds, such as 2 or 0.5");
	EXPECT_EQ(usage_error({"-i", "eth0"}),
		  "-i: 'eth0' is not a number of seconds, such as 2 or 0.5");
	EXPECT_EQ(usage_error({"--count=ten"}),
		  "--count: 'ten' is not a whole number from 1, such as 10");
}

TEST(StandardOptions, TheEdgesOfEachNumberAreRefused)
{
	// Each was accepted once: -c -1 wrapped to 2^64-1, -i inf never
	// printed, nan compared false with every bound.
	for (const char *count : {"-1", "0", "1x", " 1", "+1", "0x10", "1.5", ""})
		EXPECT_NE(usage_error({"-c", count}).find("is not a whole number from 1"),
			  std::string::npos)
			<< count;
	EXPECT_EQ(usage_error({"-c", "99999999999999999999"}),
		  "-c: '99999999999999999999' is too large (at most 18446744073709551615)");
	for (const char *option : {"-i", "--duration"}) {
		for (const char *seconds :
		     {"nan", "inf", "-inf", "infinity", "2s", "1,5", " 2", "0x1p3"})
			EXPECT_NE(usage_error({option, seconds}).find("is not a number of seconds"),
				  std::string::npos)
				<< option << " " << seconds;
		for (const char *seconds :
		     {"-1", "0", "-0", "0.0009", "1e-999", "100000001", "1e300", "1e999"})
			EXPECT_NE(usage_error({option, seconds}).find("is out of range"),
				  std::string::npos)
				<< option << " " << seconds;
	}
	const StandardOptions o =
		parse({"-c", "18446744073709551615", "--duration", "1e8", "-i", "0.001"});
	EXPECT_EQ(o.limits.count, 18446744073709551615u);
	EXPECT_DOUBLE_EQ(o.limits.seconds, 1e8);
	EXPECT_DOUBLE_EQ(o.interval, 0.001);
}

TEST(StandardOptions, ErrorsNameTheOptionAsTyped)
{
	EXPECT_EQ(usage_error({"-c", "1", "-c", "2"}), "-c: can be given only once");
	EXPECT_EQ(usage_error({"-c", "1", "--count", "2"}), "--count: can be given only once");
	EXPECT_EQ(usage_error({"-v", "-v"}), "-v: can be given only once");
	EXPECT_EQ(usage_error({"--json=yes"}), "--json: takes no value");
	EXPECT_EQ(usage_error({"--duration"}),
		  "--duration: needs a value (SECONDS) (see 'nettrace nettrace-test -h')");
}

TEST(StandardOptions, AnUnknownOptionGetsTheNearestAndAPointerToHelp)
{
	EXPECT_EQ(usage_error({"--jsn"}),
		  "unknown option '--jsn'; did you mean --json? (see 'nettrace nettrace-test -h')");
	EXPECT_EQ(usage_error({"--verbos=1"}), "unknown option '--verbos=1'; did you mean "
					       "--verbose? (see 'nettrace nettrace-test -h')");
	// Allowing guessing is off, so a beginning is unknown; it is the
	// first thing to suggest.
	EXPECT_EQ(usage_error({"--dur", "1"}), "unknown option '--dur'; did you mean "
					       "--duration? (see 'nettrace nettrace-test -h')");
	EXPECT_EQ(usage_error({"--zzzzzz"}),
		  "unknown option '--zzzzzz' (see 'nettrace nettrace-test -h')");
	EXPECT_EQ(usage_error({"-x"}), "unknown option '-x' (see 'nettrace nettrace-test -h')");
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
