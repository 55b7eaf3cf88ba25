// SPDX-License-Identifier: MIT
// Bash completion (driver/completion.bash) as bash runs it on a tab, with
// the build tree's nettrace answering for its commands and options.
#include "netns.hpp"
#include "process.hpp"
#include "text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace nettrace::test;

namespace {

const std::string completion_script = NETTRACE_TEST_SOURCE_DIR "/../driver/completion.bash";

// What completion offers for each command line, the last word being the
// one completed: one line "WORDS: OFFERS" per line.
std::vector<std::string> offers(const std::vector<std::vector<std::string>> &lines)
{
	std::string script = R"(
		source "$1"
		offer() {
			COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
			_nettrace
			shift
			echo "$*: ${COMPREPLY[*]}"
		}
	)";
	for (const auto &words : lines) {
		script += "offer \"$2\"";
		for (const std::string &w : words)
			script += " '" + w + "'";
		script += "\n";
	}
	const ProcessResult r = run_process({"bash", "-c", script, "completion-test",
					     completion_script, NETTRACE_BIN},
					    {"NETTRACE_PLUGIN_PATH="});
	EXPECT_EQ(r.exit_code, 0) << r.err;
	return split_lines(r.out);
}

} // namespace

TEST(Completion, NetnsCompletesBareNamesAndPaths)
{
	TestNetns ns;
	const std::string stem = ns.name().substr(0, ns.name().size() - 1);
	const std::vector<std::string> got = offers({
		{"tcpdrop", "--netns", stem},
		{"tcpdrop", "--netns", "/run/netns/" + stem},
	});
	ASSERT_EQ(got.size(), 2u);
	// Other namespaces may share the stem; this one must be among them.
	EXPECT_NE((" " + got[0] + " ").find(" " + ns.name() + " "), std::string::npos) << got[0];
	EXPECT_NE((" " + got[1] + " ").find(" " + ns.path() + " "), std::string::npos) << got[1];
}

TEST(Completion, AnOptionGivenIsNotOfferedAgain)
{
	const std::vector<std::string> got = offers({
		{"tcpdrop", "--js"},
		{"tcpdrop", "--json", "--js"},
		{"tcpdrop", "--co"},
		{"tcpdrop", "-c", "5", "--co"},
		{"tcpdrop", "--count=5", "-"},
	});
	ASSERT_EQ(got.size(), 5u);
	EXPECT_EQ(got[0], "tcpdrop --js: --json");
	EXPECT_EQ(got[1], "tcpdrop --json --js: ");
	EXPECT_EQ(got[2], "tcpdrop --co: --count");
	// Given as -c, --count is given too.
	EXPECT_EQ(got[3], "tcpdrop -c 5 --co: ");
	EXPECT_EQ((" " + got[4] + " ").find(" -c "), std::string::npos) << got[4];
	EXPECT_NE(got[4].find(" --json"), std::string::npos) << got[4];
}

// The exporter's options come from its summary like any command's; an
// address or a duration cannot be guessed, so after --listen and
// --stale-after nothing is offered; after --web-config, files are.
TEST(Completion, ExporterOptionsAndItsListenValue)
{
	const std::string dir = NETTRACE_TEST_SOURCE_DIR "/../driver/completion.";
	const std::vector<std::string> got = offers({
		{"exporter", "--li"},
		{"exporter", "--max"},
		{"exporter", "--st"},
		{"exporter", "--listen", ""},
		{"exporter", "--stale-after", ""},
		{"exporter", "--web"},
		{"exporter", "--web-config", dir},
	});
	ASSERT_EQ(got.size(), 7u);
	EXPECT_EQ(got[0], "exporter --li: --listen --list-metrics");
	EXPECT_EQ(got[1], "exporter --max: --max-series");
	EXPECT_EQ(got[2], "exporter --st: --stale-after");
	EXPECT_EQ(got[3], "exporter --listen : ");
	EXPECT_EQ(got[4], "exporter --stale-after : ");
	EXPECT_EQ(got[5], "exporter --web: --web-config");
	EXPECT_EQ(got[6], "exporter --web-config " + dir + ": " + dir + "bash");
}

// --points offers its groups, each word of a comma-separated list.
TEST(Completion, ExporterPointGroups)
{
	const std::vector<std::string> got = offers({
		{"exporter", "--points", ""},
		{"exporter", "--points", "input,o"},
	});
	ASSERT_EQ(got.size(), 2u);
	EXPECT_EQ(got[0], "exporter --points : input output");
	EXPECT_EQ(got[1], "exporter --points input,o: input,output");
}

// tcpdrop -w takes a file, offered as files are; --snaplen a number,
// which cannot be guessed.
TEST(Completion, TcpdropCaptureFileAndSnaplen)
{
	const std::string dir = NETTRACE_TEST_SOURCE_DIR "/../driver/completion.";
	const std::vector<std::string> got = offers({
		{"tcpdrop", "--wr"},
		{"tcpdrop", "--sn"},
		{"tcpdrop", "-w", dir},
		{"tcpdrop", "--write", dir},
		{"tcpdrop", "-w", "x", "--snaplen", ""},
	});
	ASSERT_EQ(got.size(), 5u);
	EXPECT_EQ(got[0], "tcpdrop --wr: --write");
	EXPECT_EQ(got[1], "tcpdrop --sn: --snaplen");
	EXPECT_EQ(got[2], "tcpdrop -w " + dir + ": " + dir + "bash");
	EXPECT_EQ(got[3], "tcpdrop --write " + dir + ": " + dir + "bash");
	EXPECT_EQ(got[4], "tcpdrop -w x --snaplen : ");
}
