// SPDX-License-Identifier: MIT
// The man pages built in the tree: every section, every option a command
// accepts, and the driver opening the right page for --help.
#include "manual.hpp"
#include "process.hpp"
#include "text.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace nettrace::test;

namespace {

const fs::path man_dir = fs::path(NETTRACE_BUILD_MAN_DIR) / "man8";

ProcessResult run_nettrace(std::vector<std::string> args)
{
	args.insert(args.begin(), NETTRACE_BIN);
	std::vector<std::string> env = plain_man_environment();
	env.push_back("NETTRACE_PLUGIN_PATH=");
	return run_process(args, env);
}

// `option` as a whole word: "-s" must not be found inside "--saddr".
bool mentions_option(const std::string &text, const std::string &option)
{
	const std::regex word("(^|[^-A-Za-z0-9_])" +
			      std::regex_replace(option, std::regex("[-]"), "\\-") +
			      "($|[^-A-Za-z0-9_])");
	return std::regex_search(text, word);
}

struct CommandPage {
	std::vector<std::string> summary_args; // prints the option summary
	std::string page;
	std::size_t min_options; // so that a broken parser cannot pass
};

const std::vector<CommandPage> command_pages = {
	{{"-h"}, "nettrace", 5},
	{{"tcpdrop", "-h"}, "nettrace-tcpdrop", 25},
	{{"skbstat", "-h"}, "nettrace-skbstat", 30},
	{{"skbtrace", "-h"}, "nettrace-skbtrace", 20},
	{{"doctor", "-h"}, "nettrace-doctor", 3},
	{{"exporter", "-h"}, "nettrace-exporter", 12},
};

// Runs of spaces and newlines as one space: the page wraps lines.
std::string collapse_spaces(const std::string &text)
{
	return std::regex_replace(text, std::regex("[ \n]+"), " ");
}

} // namespace

TEST(ManPages, EveryPageHasEverySectionInOrder)
{
	for (const CommandPage &c : command_pages) {
		SCOPED_TRACE(c.page);
		const ProcessResult r = render_man({"-l", (man_dir / (c.page + ".8")).string()});
		ASSERT_EQ(r.exit_code, 0) << r.err;
		EXPECT_EQ(man_sections(r.out), required_man_sections()) << r.out;
		for (const std::string &section : required_man_sections())
			EXPECT_NE(man_section(r.out, section).find_first_not_of(" \n"),
				  std::string::npos)
				<< section << " is empty";
	}
}

TEST(ManPages, EveryOptionACommandAcceptsIsInItsPage)
{
	for (const CommandPage &c : command_pages) {
		SCOPED_TRACE(c.page);
		const ProcessResult summary = run_nettrace(c.summary_args);
		ASSERT_EQ(summary.exit_code, 0) << summary.err;
		const std::vector<std::string> options = options_in_summary(summary.out);
		EXPECT_GE(options.size(), c.min_options) << summary.out;
		const ProcessResult page = render_man({"-l", (man_dir / (c.page + ".8")).string()});
		const std::string documented = man_section(page.out, "OPTIONS");
		for (const std::string &option : options)
			EXPECT_TRUE(mentions_option(documented, option))
				<< option << " is missing from OPTIONS of " << c.page;
	}
}

// The metric table in nettrace-exporter(8) is the one the exporter
// serves from: every metric with its type, labels and help, word for word.
TEST(ManPages, ExporterPageListsTheMetricsItServes)
{
	const ProcessResult table = run_nettrace({"exporter", "--list-metrics"});
	ASSERT_EQ(table.exit_code, 0) << table.err;
	const ProcessResult page = render_man({"-l", (man_dir / "nettrace-exporter.8").string()});
	ASSERT_EQ(page.exit_code, 0) << page.err;
	const std::string documented = collapse_spaces(man_section(page.out, "DESCRIPTION"));
	const std::vector<std::string> lines = split_lines(table.out);
	EXPECT_GE(lines.size(), 8u) << table.out;
	for (const std::string &line : lines) {
		std::vector<std::string> f;
		std::size_t at = 0;
		for (std::size_t tab; (tab = line.find('\t', at)) != std::string::npos;
		     at = tab + 1)
			f.push_back(line.substr(at, tab - at));
		f.push_back(line.substr(at));
		ASSERT_EQ(f.size(), 4u) << line;
		const std::string labels = std::regex_replace(f[2], std::regex(","), ", ");
		const std::string entry = f[0] + " " + f[1] + " {" + labels + "} " + f[3];
		EXPECT_NE(documented.find(collapse_spaces(entry)), std::string::npos)
			<< entry << "\nis not in DESCRIPTION:\n"
			<< documented;
	}
}

TEST(ManPages, OptionCheckNoticesAMissingOption)
{
	EXPECT_TRUE(mentions_option("  -s, --saddr ADDR\n", "--saddr"));
	EXPECT_TRUE(mentions_option("  -s, --saddr ADDR\n", "-s"));
	EXPECT_FALSE(mentions_option("  --saddr ADDR\n", "-s"));
	EXPECT_FALSE(mentions_option("  --no-drop\n", "--no_drop"));
}

TEST(ManPages, HelpOpensTheManPageAndShortHelpPrintsTheSummary)
{
	const struct {
		std::vector<std::string> args;
		std::string first_line_start;
	} cases[] = {
		{{"tcpdrop", "--help"}, "NETTRACE-TCPDROP(8)"},
		{{"skbstat", "-i", "2", "--help"}, "NETTRACE-SKBSTAT(8)"},
		{{"help", "skbstat"}, "NETTRACE-SKBSTAT(8)"},
		{{"--help"}, "NETTRACE(8)"},
		{{"tcpdrop", "-h"}, "usage: nettrace tcpdrop"},
		{{"-h"}, "usage: nettrace"},
	};
	for (const auto &c : cases) {
		SCOPED_TRACE(c.args.front() + " " + c.args.back());
		const ProcessResult r = run_nettrace(c.args);
		EXPECT_EQ(r.exit_code, 0) << r.err;
		const auto lines = split_lines(r.out);
		ASSERT_FALSE(lines.empty());
		EXPECT_EQ(lines.front().rfind(c.first_line_start, 0), 0u) << lines.front();
	}
}

TEST(ManPages, APageBesideAPluginIsItsManual)
{
	char tmpl[] = "/tmp/nettrace-man-XXXXXX";
	const fs::path dir = mkdtemp(tmpl);
	chmod(dir.c_str(), 0755);
	struct Cleanup {
		fs::path dir;
		~Cleanup() { fs::remove_all(dir); }
	} cleanup{dir};
	fs::copy_file(fs::path(NETTRACE_FIXTURE_DIR) / "fixture_good.so", dir / "fixture_good.so");

	// No page: --help reaches the plugin, which prints its summary.
	ProcessResult without = run_nettrace({"--plugin-dir", dir, "fixture-good", "--help"});
	EXPECT_EQ(without.out, "fixture-good ran (host ABI 1.1) [fixture-good] [--help]\n");

	std::ofstream(dir / "nettrace-fixture-good.8")
		<< ".TH NETTRACE-FIXTURE-GOOD 8\n.SH NAME\nfixture-good \\- echoes\n";
	ProcessResult with = run_nettrace({"--plugin-dir", dir, "fixture-good", "--help"});
	EXPECT_EQ(with.exit_code, 0) << with.err;
	EXPECT_EQ(with.out.rfind("NETTRACE-FIXTURE-GOOD(8)", 0), 0u) << with.out;
	EXPECT_NE(with.out.find("fixture-good - echoes"), std::string::npos) << with.out;
}

// What the pages show agrees with the binary: the version line, example
// paths a reader can have (not the tree the page was written in), and
// markup that renders instead of showing as asterisks.
TEST(ManPages, PagesShowWhatTheToolsPrint)
{
	const ProcessResult version = run_nettrace({"--version"});
	ASSERT_EQ(version.exit_code, 0) << version.err;
	const std::string version_line = split_lines(version.out).front();
	const std::regex version_shown("nettrace [0-9.]+ \\(plugin ABI [0-9.]+\\)");
	const std::regex build_tree_path("(^|[\\s'(])/\\S*/build/");
	for (const CommandPage &c : command_pages) {
		SCOPED_TRACE(c.page);
		const std::string page =
			render_man({"-l", (man_dir / (c.page + ".8")).string()}).out;
		for (auto it = std::sregex_iterator(page.begin(), page.end(), version_shown);
		     it != std::sregex_iterator(); ++it)
			EXPECT_EQ(it->str(), version_line);
		std::smatch path;
		EXPECT_FALSE(std::regex_search(page, path, build_tree_path)) << path.str();
		// A glob (btf/*) is text; an asterisk against a word is markup
		// that did not render.
		const std::string files = man_section(page, "FILES");
		std::smatch stray;
		EXPECT_FALSE(
			std::regex_search(files, stray, std::regex("\\*[A-Za-z_/]|[A-Za-z_]\\*")))
			<< stray.str() << " in\n"
			<< files;
	}
	const std::string nettrace_page = render_man({"-l", (man_dir / "nettrace.8").string()}).out;
	EXPECT_NE(nettrace_page.find(version_line), std::string::npos);
}
