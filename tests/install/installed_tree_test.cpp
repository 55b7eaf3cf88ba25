// SPDX-License-Identifier: MIT
// nettrace as `cmake --install` leaves it, with the example plugin built out
// of tree against that prefix alone (tests/install/stage_sdk.sh made both):
// the layout, the man pages, --help, plugin discovery, the SDK's CMake and
// pkg-config files, bash completion, and the example counting real drops.
#include "manual.hpp"
#include "netns.hpp"
#include "process.hpp"
#include "requirements.hpp"
#include "text.hpp"
#include "traffic.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <map>
#include <sstream>

namespace fs = std::filesystem;
using namespace nettrace::test;

namespace {

const fs::path stage = NETTRACE_STAGE_DIR;
const fs::path prefix = stage / "prefix";
const fs::path installed_nettrace = prefix / "bin/nettrace";
const fs::path plugin_dir = prefix / "lib/nettrace/plugins";

// The installed nettrace, with nothing of the caller's set-up leaking in.
std::vector<std::string> clean_environment()
{
	std::vector<std::string> env = plain_man_environment();
	env.push_back("NETTRACE_PLUGIN_PATH=");
	env.push_back("MANPATH=");
	return env;
}

ProcessResult run_installed(std::vector<std::string> args)
{
	args.insert(args.begin(), installed_nettrace.string());
	return run_process(args, clean_environment());
}

// Every text file under `dir` (build scripts, caches, dependency lists)
// that contains `needle`. Binaries are left out: the debug information of
// the installed static library names where that library was compiled,
// which is no path the plugin's build uses.
std::vector<std::string> text_files_containing(const fs::path &dir, const std::string &needle)
{
	std::vector<std::string> found;
	for (const auto &entry : fs::recursive_directory_iterator(dir)) {
		if (!entry.is_regular_file())
			continue;
		const std::string text = read_text_file(entry.path());
		if (text.find('\0') == std::string::npos && text.find(needle) != std::string::npos)
			found.push_back(entry.path().string());
	}
	return found;
}

// "REASON CODE DROPS" rows of dropcount's table: reason -> drops.
std::map<std::string, std::uint64_t> dropcount_rows(const std::string &out)
{
	std::map<std::string, std::uint64_t> rows;
	for (const std::string &line : split_lines(out)) {
		std::istringstream in(line);
		std::vector<std::string> words;
		for (std::string w; in >> w;)
			words.push_back(w);
		if (words.size() >= 2 && words.front() != "REASON")
			rows[words.front()] = std::stoull(words.back());
	}
	return rows;
}

class InstalledTree : public testing::Test {
protected:
	void SetUp() override
	{
		ASSERT_TRUE(fs::exists(installed_nettrace))
			<< "nothing staged at " << prefix << "; the stage_sdk fixture failed";
	}
};

} // namespace

TEST_F(InstalledTree, LaysOutDriverPluginsSdkManPagesAndCompletion)
{
	for (const char *file : {
		     "bin/nettrace",
		     "lib/nettrace/plugins/tcpdrop.so",
		     "lib/nettrace/plugins/skbstat.so",
		     "lib/nettrace/plugins/skbtrace.so",
		     "lib/nettrace/plugins/exporter.so",
		     "lib/nettrace/plugins/dropcount.so", // the example, installed after
		     "share/man/man8/nettrace.8",
		     "share/man/man8/nettrace-tcpdrop.8",
		     "share/man/man8/nettrace-skbstat.8",
		     "share/man/man8/nettrace-skbtrace.8",
		     "share/man/man8/nettrace-exporter.8",
		     "share/man/man8/nettrace-dropcount.8",
		     "share/bash-completion/completions/nettrace",
		     "include/nettrace/plugin.h",
		     "include/nettrace/plugin.hpp",
		     "include/nettrace/common/bpf/event_loop.hpp",
		     "include/nettrace/bpf/vmlinux.h",
		     "include/nettrace/bpf/nettrace/filter.bpf.h",
		     // the rooms of nettrace::common, and a header from before them
		     "lib/libnettrace_cli.a",
		     "lib/libnettrace_kernel.a",
		     "lib/libnettrace_output.a",
		     "lib/libnettrace_preflight.a",
		     "lib/libnettrace_pcap.a",
		     "lib/libnettrace_bpf.a",
		     "lib/libnettrace_tool.a",
		     "include/nettrace/common/bpf_loader.hpp",
		     "lib/cmake/nettrace/nettraceConfig.cmake",
		     "lib/cmake/nettrace/NettraceBpf.cmake",
		     "lib/pkgconfig/nettrace.pc",
	     })
		EXPECT_TRUE(fs::is_regular_file(prefix / file)) << file;
}

TEST_F(InstalledTree, ManPagesRenderEverySection)
{
	for (const char *page : {"nettrace", "nettrace-tcpdrop", "nettrace-skbstat",
				 "nettrace-skbtrace", "nettrace-exporter", "nettrace-dropcount"}) {
		SCOPED_TRACE(page);
		const ProcessResult r = render_man({"-M", (prefix / "share/man").string(), page});
		ASSERT_EQ(r.exit_code, 0) << r.err;
		EXPECT_EQ(man_sections(r.out), required_man_sections()) << r.out;
	}
}

TEST_F(InstalledTree, HelpOpensThePageOfTheInstalledPrefix)
{
	const struct {
		std::vector<std::string> args;
		std::string first_line_start;
	} cases[] = {
		{{"skbstat", "--help"}, "NETTRACE-SKBSTAT(8)"},
		{{"help", "tcpdrop"}, "NETTRACE-TCPDROP(8)"},
		{{"dropcount", "--help"}, "NETTRACE-DROPCOUNT(8)"},
		{{"--help"}, "NETTRACE(8)"},
		{{"skbstat", "-h"}, "usage: nettrace skbstat"},
	};
	for (const auto &c : cases) {
		SCOPED_TRACE(c.args.front());
		const ProcessResult r = run_installed(c.args);
		EXPECT_EQ(r.exit_code, 0) << r.err;
		EXPECT_EQ(r.out.rfind(c.first_line_start, 0), 0u) << r.out.substr(0, 200);
	}
}

TEST_F(InstalledTree, ListShowsTheBundledAndTheExamplePlugins)
{
	const ProcessResult r = run_installed({"--list"});
	ASSERT_EQ(r.exit_code, 0) << r.err;
	EXPECT_EQ(r.err, "");
	// Each plugin starts a line with its name; the indented lines after it
	// continue its summary and end with its file.
	const auto lines = split_lines(r.out);
	for (const std::string name :
	     {"tcpdrop", "skbstat", "skbtrace", "doctor", "exporter", "dropcount"}) {
		const std::string file = fs::canonical(plugin_dir / (name + ".so"));
		std::size_t rows = 0;
		for (std::size_t i = 0; i < lines.size(); ++i) {
			if (lines[i].rfind(name + " ", 0) != 0)
				continue;
			std::size_t last = i;
			while (last + 1 < lines.size() && lines[last + 1].rfind(' ', 0) == 0)
				++last;
			rows += lines[last] == "  " + file;
		}
		EXPECT_EQ(rows, 1u) << name << " from " << file << " in:\n" << r.out;
	}
	const auto starts = std::count_if(lines.begin(), lines.end(), [](const std::string &l) {
		return l.rfind(' ', 0) != 0;
	});
	EXPECT_EQ(starts, 7) << r.out; // header and six plugins
}

// A plugin built out of tree answers doctor through the SDK's check.
TEST_F(InstalledTree, DoctorChecksTheExamplePlugin)
{
	NETTRACE_REQUIRE_BPF();
	const ProcessResult r = run_installed({"doctor", "--json", "dropcount"});
	ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
	const nlohmann::json doc = nlohmann::json::parse(r.out);
	ASSERT_EQ(doc["plugins"].size(), 1u) << r.out;
	const nlohmann::json &dropcount = doc["plugins"][0];
	EXPECT_EQ(dropcount["name"], "dropcount");
	EXPECT_EQ(dropcount["checked"], true);
	EXPECT_EQ(dropcount["status"], "ok") << dropcount.dump();
	EXPECT_EQ(dropcount["findings"][0]["name"], "dropcount: counting") << dropcount.dump();
}

TEST_F(InstalledTree, ExampleWasBuiltAgainstThePrefixAlone)
{
	const fs::path example_build = stage / "build";
	EXPECT_EQ(text_files_containing(example_build, NETTRACE_SOURCE_DIR "/"),
		  std::vector<std::string>{});
	EXPECT_EQ(text_files_containing(example_build, NETTRACE_BINARY_DIR "/"),
		  std::vector<std::string>{});
	const std::string cache = read_text_file(example_build / "CMakeCache.txt");
	EXPECT_NE(cache.find("nettrace_DIR:PATH=" + (prefix / "lib/cmake/nettrace").string()),
		  std::string::npos);
	// Its compile lines use the prefix's headers.
	EXPECT_NE(read_text_file(example_build / "compile_commands.json")
			  .find((prefix / "include/nettrace/bpf").string()),
		  std::string::npos);
}

TEST_F(InstalledTree, PkgConfigPointsIntoThePrefix)
{
	const std::vector<std::string> env = {"PKG_CONFIG_PATH=" +
					      (prefix / "lib/pkgconfig").string()};
	const ProcessResult flags =
		run_process({"pkg-config", "--cflags", "--libs", "nettrace"}, env);
	ASSERT_EQ(flags.exit_code, 0) << flags.err;
	// Every room, a room before the rooms it uses, as static linking needs.
	std::size_t after = 0;
	for (const char *room : {"tool", "bpf", "pcap", "preflight", "output", "kernel", "cli"}) {
		const std::size_t at = flags.out.find(std::string("-lnettrace_") + room + " ");
		EXPECT_NE(at, std::string::npos) << room << " in " << flags.out;
		EXPECT_GE(at, after) << room << " in " << flags.out;
		after = at == std::string::npos ? after : at;
	}
	for (const char *variable : {"includedir", "bpfincludedir", "plugindir", "versionscript"}) {
		const ProcessResult v = run_process(
			{"pkg-config", std::string("--variable=") + variable, "nettrace"}, env);
		const std::string path = v.out.substr(0, v.out.find('\n'));
		EXPECT_TRUE(fs::exists(path)) << variable << " = " << path;
		EXPECT_EQ(fs::canonical(path).string().rfind(fs::canonical(prefix).string(), 0), 0u)
			<< variable << " = " << path;
	}
}

TEST_F(InstalledTree, CompletionOffersCommandsAndEachCommandsOptions)
{
	const std::string script = R"(
		source "$1"
		complete -p nettrace
		offer() {
			COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
			_nettrace
			echo "$*: ${COMPREPLY[*]}"
		}
		offer nettrace ''
		offer nettrace help ''
		offer nettrace doctor ''
		offer nettrace skbstat --at
		offer nettrace skbstat --attach ''
		offer nettrace tcpdrop --no
		offer nettrace tcpdrop -s ''
	)";
	std::vector<std::string> env = clean_environment();
	env.push_back("PATH=" + (prefix / "bin").string() + ":/usr/sbin:/usr/bin:/sbin:/bin");
	const ProcessResult r =
		run_process({"bash", "-c", script, "completion-test",
			     (prefix / "share/bash-completion/completions/nettrace").string()},
			    env);
	ASSERT_EQ(r.exit_code, 0) << r.err;
	const std::vector<std::string> lines = split_lines(r.out);
	ASSERT_EQ(lines.size(), 8u) << r.out;
	EXPECT_EQ(lines[0], "complete -F _nettrace nettrace");
	EXPECT_EQ(lines[1], "nettrace : doctor dropcount exporter skbstat skbtrace tcpdrop help");
	EXPECT_EQ(lines[2], "nettrace help : doctor dropcount exporter skbstat skbtrace tcpdrop");
	EXPECT_EQ(lines[3], "nettrace doctor : dropcount exporter skbstat skbtrace tcpdrop");
	EXPECT_EQ(lines[4], "nettrace skbstat --at: --attach");
	EXPECT_EQ(lines[5], "nettrace skbstat --attach : auto fentry kprobe tp_btf tracepoint");
	EXPECT_EQ(lines[6], "nettrace tcpdrop --no: --no-stack");
	EXPECT_EQ(lines[7], "nettrace tcpdrop -s : "); // an address cannot be guessed
}

TEST_F(InstalledTree, ExamplePluginCountsRealDropsPerReasonInOneNamespace)
{
	NETTRACE_REQUIRE_BPF();
	TestNetns ns, other;
	drop_input_with_nft(ns, "udp dport 7702");
	BackgroundProcess run({installed_nettrace.string(), "dropcount", "--netns", ns.path()},
			      clean_environment());
	ASSERT_TRUE(run.wait_for("counting drops in net namespace", std::chrono::seconds(20), true))
		<< run.err();

	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", 7701, 5); // NO_SOCKET
	for (int i = 0; i < 3; ++i)
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 7703); // NO_SOCKET
	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", 7702, 2);    // NETFILTER_DROP
	udp_to_closed_port(other, "127.0.0.1", "127.0.0.1", 7701, 4); // another namespace

	run.signal(SIGINT);
	const ProcessResult r = run.finish();
	ASSERT_EQ(r.exit_code, 0) << r.err;
	const std::map<std::string, std::uint64_t> expected = {{"NO_SOCKET", 8},
							       {"NETFILTER_DROP", 2},
							       {"TOTAL", 10}};
	EXPECT_EQ(dropcount_rows(r.out), expected) << r.out;
}
