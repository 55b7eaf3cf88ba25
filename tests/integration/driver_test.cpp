// SPDX-License-Identifier: MIT
// The driver as a user meets it: the real `nettrace` binary, run with the
// test fixture plugins, its output and exit codes checked.
#include "process.hpp"
#include "requirements.hpp"
#include "text.hpp"

#include <gtest/gtest.h>

#include <regex>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using nettrace::test::count_lines_containing;
using nettrace::test::ProcessResult;
using nettrace::test::run_process;
using nettrace::test::split_lines;

namespace {

const std::string fixtures = NETTRACE_FIXTURE_DIR;
const std::string shadow_fixtures = std::string(NETTRACE_FIXTURE_DIR) + "-shadow";

ProcessResult run_nettrace(std::vector<std::string> args, std::vector<std::string> env = {})
{
	args.insert(args.begin(), NETTRACE_BIN);
	// The caller's own plugin path must not leak into what is tested.
	env.insert(env.begin(), "NETTRACE_PLUGIN_PATH=");
	return run_process(args, env);
}

// One plugin in `nettrace --list`: its first line, which starts with the
// name, then the lines that continue it (indented), the last its file.
struct ListEntry {
	std::string first;
	std::vector<std::string> more;
	std::string name() const { return first.substr(0, first.find(' ')); }
	std::string file() const { return more.empty() ? "" : more.back(); }
};

std::vector<ListEntry> list_entries(const std::string &out)
{
	std::vector<ListEntry> entries;
	const auto lines = split_lines(out);
	for (std::size_t i = 1; i < lines.size(); ++i) {
		if (lines[i].rfind(' ', 0) != 0)
			entries.push_back({lines[i], {}});
		else if (!entries.empty())
			entries.back().more.push_back(lines[i]);
	}
	return entries;
}

// A scratch directory holding a copy of the good fixture, removed at the end.
struct ScratchPluginDir {
	fs::path path;
	explicit ScratchPluginDir(mode_t mode)
	{
		char tmpl[] = "/tmp/nettrace-plugins-XXXXXX";
		path = mkdtemp(tmpl);
		fs::copy_file(fixtures + "/fixture_good.so", path / "fixture_good.so");
		chmod(path.c_str(), mode);
	}
	~ScratchPluginDir() { fs::remove_all(path); }
};

} // namespace

TEST(Driver, ListShowsGoodPluginsAndRefusesEachBadOneInOneLine)
{
	ProcessResult r = run_nettrace({"--plugin-dir", fixtures, "--list"});
	EXPECT_EQ(r.exit_code, 0) << r.err;
	// --plugin-dir is searched first; the build tree's own plugins follow.
	EXPECT_EQ(r.out.rfind("NAME", 0), 0u);
	const auto out = list_entries(r.out);
	ASSERT_GE(out.size(), 5u) << r.out;
	// A plugin of an older minor (1.0, no check entry point) still loads.
	EXPECT_EQ(out[0].name(), "fixture-abi-1-0");
	EXPECT_EQ(out[1].name(), "fixture-check-throws");
	EXPECT_EQ(out[2].name(), "fixture-good");
	EXPECT_NE(out[2].first.find(" 1.2.3 "), std::string::npos);
	EXPECT_EQ(out[2].file(), "  " + fixtures + "/fixture_good.so");
	EXPECT_EQ(out[3].name(), "fixture-throws");
	EXPECT_EQ(out[4].name(), "fixture-throws-raw");

	auto err = split_lines(r.err);
	ASSERT_EQ(err.size(), 4u) << r.err;
	EXPECT_EQ(err[0], "nettrace: refusing plugin " + fixtures +
				  "/fixture_newer_minor.so: needs plugin ABI 1.2, this "
				  "nettrace supports up to 1.1; upgrade nettrace");
	EXPECT_EQ(err[1], "nettrace: refusing plugin " + fixtures +
				  "/fixture_no_descriptor.so: no plugin descriptor (expected "
				  "an exported symbol nettrace_plugin_v1)");
	EXPECT_EQ(err[2], "nettrace: refusing plugin " + fixtures +
				  "/fixture_not_elf.so: is not an ELF shared object");
	EXPECT_EQ(err[3], "nettrace: refusing plugin " + fixtures +
				  "/fixture_wrong_major.so: built for plugin ABI 2.x, this "
				  "nettrace speaks 1.1");
}

TEST(Driver, FindsTheBuildTreePluginsWhenRunFromTheBuildTree)
{
	ProcessResult r = run_nettrace({"--list"});
	EXPECT_EQ(r.exit_code, 0) << r.err;
	EXPECT_EQ(r.err, "");
	for (const char *name : {"tcpdrop"})
		EXPECT_EQ(count_lines_containing(r.out, std::string(NETTRACE_BUILD_PLUGIN_DIR) +
								"/" + name + ".so"),
			  1u)
			<< r.out;
	EXPECT_EQ(count_lines_containing(r.out, "fixture"), 0u) << r.out;
}

TEST(Driver, ListFitsEightyColumnsAndShowsEachFile)
{
	ProcessResult r = run_nettrace({"--plugin-dir", fixtures, "--list"});
	ASSERT_EQ(r.exit_code, 0) << r.err;
	for (const std::string &line : split_lines(r.out))
		EXPECT_LE(line.size(), 80u) << line;
	// Every plugin the directories hold, each with its own file, and the
	// summary -h shows for it, word for word, however it was wrapped.
	ProcessResult help = run_nettrace({"--plugin-dir", fixtures, "-h"});
	ASSERT_EQ(help.exit_code, 0) << help.err;
	const auto entries = list_entries(r.out);
	std::vector<std::string> expected_files;
	for (const auto &f : fs::directory_iterator(fixtures))
		if (f.path().filename() == "fixture_good.so" ||
		    f.path().filename() == "fixture_throws.so")
			expected_files.push_back(f.path().string());
	expected_files.push_back(std::string(NETTRACE_BUILD_PLUGIN_DIR) + "/skbstat.so");
	expected_files.push_back(std::string(NETTRACE_BUILD_PLUGIN_DIR) + "/tcpdrop.so");
	std::size_t wrapped = 0;
	for (const std::string &file : expected_files) {
		const auto at =
			std::find_if(entries.begin(), entries.end(),
				     [&](const ListEntry &e) { return e.file() == "  " + file; });
		ASSERT_NE(at, entries.end()) << file << " in:\n" << r.out;
		EXPECT_TRUE(fs::is_regular_file(file)) << file;
		std::string name, version, word, summary;
		std::vector<std::string> summary_lines = {at->first};
		summary_lines.insert(summary_lines.end(), at->more.begin(), at->more.end() - 1);
		wrapped += summary_lines.size() > 1;
		for (std::size_t i = 0; i < summary_lines.size(); ++i) {
			std::istringstream words(summary_lines[i]);
			if (i == 0)
				words >> name >> version;
			while (words >> word)
				summary += (summary.empty() ? "" : " ") + word;
		}
		const std::regex help_line("\n  " + name + " +(.*)\n");
		std::smatch m;
		ASSERT_TRUE(std::regex_search(help.out, m, help_line)) << name << help.out;
		EXPECT_EQ(summary, m[1].str()) << name;
	}
	// skbstat's summary is too long for one line beside fixture names.
	EXPECT_GE(wrapped, 1u) << r.out;
}

TEST(Driver, HelpListsCommandsWithTheirSummaries)
{
	for (const char *flag : {"-h", "help"}) {
		ProcessResult r = run_nettrace({"--plugin-dir", fixtures, flag});
		EXPECT_EQ(r.exit_code, 0);
		EXPECT_NE(r.out.find("usage: nettrace"), std::string::npos);
		const std::regex good_line(
			"\n  fixture-good +A plugin that echoes its arguments\n");
		EXPECT_TRUE(std::regex_search(r.out, good_line)) << r.out;
		EXPECT_NE(r.out.find("fixture-throws-raw"), std::string::npos);
	}
}

TEST(Driver, NoCommandIsAUsageError)
{
	ProcessResult r = run_nettrace({"--plugin-dir", fixtures});
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_EQ(r.out, "");
	EXPECT_EQ(r.err, "nettrace: no command given; 'nettrace -h' lists them\n");
}

TEST(Driver, VersionNamesTheAbi)
{
	ProcessResult r = run_nettrace({"--version"});
	EXPECT_EQ(r.exit_code, 0);
	EXPECT_EQ(r.out, "nettrace " NETTRACE_TEST_VERSION " (plugin ABI 1.1)\n");
}

TEST(Driver, DispatchPassesArgvVerbatimAndReturnsTheExitCode)
{
	ProcessResult r = run_nettrace({"--plugin-dir", fixtures, "fixture-good", "--exit", "7"});
	EXPECT_EQ(r.exit_code, 7);
	EXPECT_EQ(r.out, "fixture-good ran (host ABI 1.1) [fixture-good] [--exit] [7]\n");
	// The refused fixtures beside it are --list's business, not this run's.
	EXPECT_EQ(r.err, "");
}

// Every plugin is mapped to read its descriptor, but a command keeps only
// its own: the others would add their pages to its memory for nothing.
TEST(Driver, ACommandKeepsOnlyItsOwnPluginMapped)
{
	ProcessResult r = run_nettrace({"--plugin-dir", fixtures, "fixture-good", "--mapped"});
	ASSERT_EQ(r.exit_code, 0) << r.err;
	std::vector<std::string> mapped;
	for (const std::string &line : split_lines(r.out))
		if (line.rfind("mapped ", 0) == 0)
			mapped.push_back(line.substr(7));
	ASSERT_EQ(mapped.size(), 1u) << r.out;
	EXPECT_EQ(fs::path(mapped[0]).filename(), "fixture_good.so") << r.out;

	// Set aside is not gone: a command about the others maps them again,
	// and reads their descriptors in their own memory.
	ProcessResult others = run_nettrace({"--plugin-dir", fixtures, "fixture-good", "--others"});
	ASSERT_EQ(others.exit_code, 0) << others.err;
	EXPECT_EQ(count_lines_containing(others.out, "other fixture-throws: "), 1u) << others.out;
	EXPECT_EQ(count_lines_containing(others.out, "other tcpdrop: "), 1u) << others.out;
	EXPECT_EQ(count_lines_containing(others.out, "other fixture-good: "), 1u) << others.out;
	EXPECT_EQ(others.err, "");
}

// A command's plugin is found by its file name, and no other plugin is
// mapped at all: mapping one runs its libraries' start-up code (the
// exporter's TLS library), which would slow every command and stay in its
// memory. The dynamic loader names each object it maps. libpcap is
// opened only when an expression is compiled, for the same reason.
TEST(Driver, ACommandMapsNoOtherPlugin)
{
	const auto dlopened = [](const std::string &err) {
		return count_lines_containing(err, "dynamically loaded by");
	};
	ProcessResult good =
		run_nettrace({"--plugin-dir", fixtures, "fixture-good"}, {"LD_DEBUG=files"});
	ASSERT_EQ(good.exit_code, 0) << good.err;
	EXPECT_EQ(dlopened(good.err), 1u) << good.err;
	ProcessResult tcpdrop = run_nettrace({"tcpdrop", "-h"}, {"LD_DEBUG=files"});
	ASSERT_EQ(tcpdrop.exit_code, 0) << tcpdrop.err;
	EXPECT_EQ(dlopened(tcpdrop.err), 1u) << tcpdrop.err;
	EXPECT_EQ(count_lines_containing(tcpdrop.err, "libssl"), 0u) << tcpdrop.err;
	// libpcap, and what it brings, only for a command given an expression.
	EXPECT_EQ(count_lines_containing(tcpdrop.err, "libpcap"), 0u) << tcpdrop.err;
	ProcessResult expression = run_nettrace({"tcpdrop", "tcp port"}, {"LD_DEBUG=files"});
	EXPECT_EQ(expression.exit_code, 2) << expression.err;
	EXPECT_GE(count_lines_containing(expression.err, "libpcap"), 1u) << expression.err;
	// Listing maps them all, the exporter's TLS library with it.
	ProcessResult list = run_nettrace({"--list"}, {"LD_DEBUG=files"});
	ASSERT_EQ(list.exit_code, 0) << list.err;
	EXPECT_GE(dlopened(list.err), 4u) << list.err;
	EXPECT_GE(count_lines_containing(list.err, "libssl"), 1u) << list.err;
}

TEST(Driver, AnUnknownCommandShowsWhatWasRefused)
{
	ProcessResult r = run_nettrace({"--plugin-dir", fixtures, "fixture-wrong-major"});
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_EQ(count_lines_containing(r.err, "fixture_wrong_major.so: built for plugin ABI 2.x"),
		  1u)
		<< r.err;
}

TEST(Driver, ASymlinkedPluginIsRefusedSayingSo)
{
	ScratchPluginDir dir(0755);
	fs::create_symlink(dir.path / "fixture_good.so", dir.path / "linked.so");
	ProcessResult r = run_nettrace({"--plugin-dir", dir.path.string(), "--list"});
	EXPECT_EQ(r.exit_code, 0);
	EXPECT_EQ(count_lines_containing(r.err, "linked.so: is a symbolic link; plugins load only "
						"from regular files"),
		  1u)
		<< r.err;
}

TEST(Driver, HelpCommandRunsThePluginWithHelp)
{
	ProcessResult r = run_nettrace({"--plugin-dir", fixtures, "help", "fixture-good"});
	EXPECT_EQ(r.exit_code, 0);
	EXPECT_EQ(r.out, "fixture-good ran (host ABI 1.1) [fixture-good] [--help]\n");
}

TEST(Driver, UnknownCommandSuggestsTheClosestAndExits2)
{
	ProcessResult r =
		run_nettrace({"--plugin-dir", fixtures, "fixture-godo"}); // swapped letters
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_EQ(r.out, "");
	auto err = split_lines(r.err);
	ASSERT_FALSE(err.empty());
	EXPECT_EQ(err.back(), "nettrace: unknown command 'fixture-godo'; did you mean "
			      "fixture-good? (see 'nettrace -h')");

	ProcessResult far = run_nettrace({"--plugin-dir", fixtures, "zzzzzzzz"});
	EXPECT_EQ(far.exit_code, 2);
	EXPECT_EQ(split_lines(far.err).back(),
		  "nettrace: unknown command 'zzzzzzzz' (see 'nettrace -h')");

	// The beginning of a command's name: what it begins.
	ProcessResult prefix = run_nettrace({"--plugin-dir", fixtures, "fixture-go"});
	EXPECT_EQ(prefix.exit_code, 2);
	EXPECT_EQ(split_lines(prefix.err).back(), "nettrace: unknown command 'fixture-go'; did "
						  "you mean fixture-good? (see 'nettrace -h')");
}

TEST(Driver, PluginUsageErrorIsOneLineAndExit2)
{
	ProcessResult r = run_nettrace({"--plugin-dir", fixtures, "fixture-good", "--usage-error"});
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_EQ(split_lines(r.err).back(), "nettrace fixture-good: --usage-error: asked for one");
}

TEST(Driver, ThrowingPluginsGiveOneLineAndExit1)
{
	ProcessResult r = run_nettrace({"--plugin-dir", fixtures, "fixture-throws"});
	EXPECT_EQ(r.exit_code, 1);
	EXPECT_EQ(r.signal, 0);
	EXPECT_EQ(split_lines(r.err).back(),
		  "nettrace fixture-throws: internal error: fixture failure");

	ProcessResult raw = run_nettrace({"--plugin-dir", fixtures, "fixture-throws-raw"});
	EXPECT_EQ(raw.exit_code, 1);
	EXPECT_EQ(raw.signal, 0);
	EXPECT_EQ(split_lines(raw.err).back(),
		  "nettrace fixture-throws-raw: plugin failed: raw fixture failure");
}

TEST(Driver, FirstPluginOfANameWins)
{
	ProcessResult a =
		run_nettrace({"--plugin-dir", fixtures, "--plugin-dir", shadow_fixtures, "--list"});
	EXPECT_EQ(count_lines_containing(a.out, "1.2.3"), 1u) << a.out;
	EXPECT_EQ(count_lines_containing(a.out, "9.9.9"), 0u) << a.out;
	EXPECT_EQ(count_lines_containing(a.err, "plugin 'fixture-good' in " + shadow_fixtures +
							"/fixture_good.so is shadowed by " +
							fixtures + "/fixture_good.so"),
		  1u)
		<< a.err;

	ProcessResult b =
		run_nettrace({"--plugin-dir", shadow_fixtures, "--plugin-dir", fixtures, "--list"});
	EXPECT_EQ(count_lines_containing(b.out, "9.9.9"), 1u) << b.out;

	// --plugin-dir is searched before $NETTRACE_PLUGIN_PATH.
	ProcessResult c = run_nettrace({"--plugin-dir", shadow_fixtures, "--list"},
				       {"NETTRACE_PLUGIN_PATH=/nonexistent:" + fixtures});
	EXPECT_EQ(count_lines_containing(c.out, "9.9.9"), 1u) << c.out;
	EXPECT_EQ(count_lines_containing(c.out, "fixture-throws "), 1u) << c.out;
}

TEST(Driver, PluginPathFromTheEnvironment)
{
	ProcessResult r = run_nettrace({"--list"}, {"NETTRACE_PLUGIN_PATH=" + shadow_fixtures +
						    ":" + fixtures});
	EXPECT_EQ(r.exit_code, 0);
	EXPECT_EQ(count_lines_containing(r.out, "9.9.9"), 1u) << r.out;
	EXPECT_EQ(count_lines_containing(r.out, "fixture-throws-raw"), 1u) << r.out;
}

TEST(Driver, WritableDirectoryIsRefusedUnlessNamedExplicitly)
{
	NETTRACE_REQUIRE_BPF(); // root, to own and chown the scratch folders
	ScratchPluginDir open_dir(0777);
	ProcessResult r =
		run_nettrace({"--list"}, {"NETTRACE_PLUGIN_PATH=" + open_dir.path.string()});
	EXPECT_EQ(r.exit_code, 0);
	EXPECT_EQ(count_lines_containing(r.out, "fixture-good"), 0u) << r.out;
	EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
	EXPECT_EQ(count_lines_containing(r.err,
					 "ignoring plugin directory " + open_dir.path.string() +
						 ": writable by group or others (mode 0777)"),
		  1u)
		<< r.err;

	ProcessResult named = run_nettrace({"--plugin-dir", open_dir.path.string(), "--list"});
	EXPECT_EQ(count_lines_containing(named.out, "fixture-good"), 1u) << named.out;
	EXPECT_EQ(count_lines_containing(named.err,
					 "warning: plugin directory " + open_dir.path.string()),
		  1u)
		<< named.err;
}

TEST(Driver, DirectoryUnderAWritableParentIsRefused)
{
	NETTRACE_REQUIRE_BPF(); // root, to own the scratch folders
	// Root's own plugin folder, inside a folder anyone may rename it in.
	ScratchPluginDir parent(0777);
	const fs::path child = parent.path / "plugins";
	fs::create_directory(child);
	chmod(child.c_str(), 0755);
	fs::copy_file(fixtures + "/fixture_good.so", child / "fixture_good.so");
	ProcessResult r = run_nettrace({"--list"}, {"NETTRACE_PLUGIN_PATH=" + child.string()});
	EXPECT_EQ(count_lines_containing(r.out, "fixture-good"), 0u) << r.out;
	EXPECT_EQ(count_lines_containing(r.err,
					 "ignoring plugin directory " + child.string() + ": " +
						 parent.path.string() +
						 " is writable by group or others (mode 0777)"),
		  1u)
		<< r.err;
}

TEST(Driver, DirectoryOwnedBySomeoneElseIsRefused)
{
	NETTRACE_REQUIRE_BPF(); // root, to own and chown the scratch folders
	ScratchPluginDir foreign(0755);
	ASSERT_EQ(chown(foreign.path.c_str(), 65534, 65534), 0);
	ProcessResult r =
		run_nettrace({"--list"}, {"NETTRACE_PLUGIN_PATH=" + foreign.path.string()});
	EXPECT_EQ(count_lines_containing(r.out, "fixture-good"), 0u) << r.out;
	EXPECT_EQ(count_lines_containing(r.err, "owned by uid 65534, not by root"), 1u) << r.err;
}

TEST(Driver, BadDriverOptionsExit2WithOneLine)
{
	ProcessResult missing = run_nettrace({"--plugin-dir", "/nonexistent/plugins", "--list"});
	EXPECT_EQ(missing.exit_code, 2);
	EXPECT_EQ(missing.err,
		  "nettrace: --plugin-dir: '/nonexistent/plugins': No such file or directory\n");

	ProcessResult unknown = run_nettrace({"--frobnicate"});
	EXPECT_EQ(unknown.exit_code, 2);
	EXPECT_EQ(unknown.err, "nettrace: unknown option '--frobnicate' (see 'nettrace -h')\n");

	ProcessResult typo = run_nettrace({"--lsit"});
	EXPECT_EQ(typo.exit_code, 2);
	EXPECT_EQ(typo.out, "");
	EXPECT_EQ(typo.err,
		  "nettrace: unknown option '--lsit'; did you mean --list? (see 'nettrace -h')\n");

	ProcessResult two = run_nettrace({"--plugin-dir", fixtures, "help", "fixture-good", "x"});
	EXPECT_EQ(two.exit_code, 2);
	EXPECT_EQ(two.out, "");
	EXPECT_EQ(split_lines(two.err).back(),
		  "nettrace: help takes one command; 'x' is one too many");
}

// Output that cannot be written fails, whoever writes it: the driver's own
// listings and a command's option summary, printed through the driver.
TEST(Driver, OutputThatCannotBeWrittenFailsInOneLine)
{
	const struct {
		std::vector<std::string> args;
		std::string prefix;
	} cases[] = {
		{{"--list"}, "nettrace: "},
		{{"-h"}, "nettrace: "},
		{{"--version"}, "nettrace: "},
		{{"tcpdrop", "-h"}, "nettrace tcpdrop: "},
	};
	for (const auto &c : cases) {
		std::string command = "exec \"$0\"";
		for (const std::string &arg : c.args)
			command += " " + arg;
		SCOPED_TRACE(command);
		const ProcessResult r =
			run_process({"sh", "-c", command + " > /dev/full", NETTRACE_BIN},
				    {"NETTRACE_PLUGIN_PATH="});
		EXPECT_EQ(r.exit_code, 1);
		// The reason too, where the failing write is the last one.
		EXPECT_EQ(r.err.rfind(c.prefix + "cannot write the output", 0), 0u) << r.err;
		EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
	}
}
