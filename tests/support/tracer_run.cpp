// SPDX-License-Identifier: MIT
#include "tracer_run.hpp"

#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace nettrace::test {

namespace {

std::vector<std::string> command(std::vector<std::string> args, const std::string &out_file)
{
	args.insert(args.begin(), nettrace_binary());
	if (!out_file.empty())
		args.insert(args.begin(), {"sh", "-c", "exec \"$0\" \"$@\" > " + out_file});
	return args;
}

} // namespace

TracerRun::TracerRun(std::vector<std::string> args, const std::string &ready, bool ready_on_stderr,
		     const std::string &out_file)
    : proc_(command(std::move(args), out_file))
{
	using namespace std::chrono_literals;
	EXPECT_TRUE(proc_.wait_for(ready, 20s, ready_on_stderr))
		<< "not ready: " << proc_.out() << proc_.err();
}

ProcessResult TracerRun::stop()
{
	proc_.signal(SIGINT);
	ProcessResult r = proc_.finish();
	EXPECT_EQ(r.exit_code, 0) << r.err;
	return r;
}

TempFile::TempFile()
{
	char name[] = "/tmp/nettrace-test-XXXXXX";
	const int fd = mkstemp(name);
	if (fd >= 0)
		close(fd);
	path = name;
}

TempFile::~TempFile()
{
	unlink(path.c_str());
}

TempDir::TempDir()
{
	char name[] = "/tmp/nettrace-test-XXXXXX";
	if (!mkdtemp(name))
		throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
	path = name;
}

TempDir::~TempDir()
{
	std::error_code ignored;
	std::filesystem::remove_all(path, ignored);
}

std::string TempFile::read() const
{
	std::ifstream in(path);
	return std::string(std::istreambuf_iterator<char>(in), {});
}

const char *nettrace_binary()
{
	return NETTRACE_BIN;
}

void expect_usage_errors(const std::string &plugin, const std::vector<UsageCase> &cases)
{
	const int links_before = count_bpf_links();
	for (const auto &c : cases) {
		std::vector<std::string> argv = {nettrace_binary(), plugin};
		argv.insert(argv.end(), c.args.begin(), c.args.end());
		ProcessResult r = run_process(argv);
		const auto what = ::testing::PrintToString(c.args);
		EXPECT_EQ(r.exit_code, 2) << what << r.err;
		EXPECT_EQ(r.out, "") << what;
		EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << r.err;
		EXPECT_EQ(r.err.rfind("nettrace " + plugin + ": ", 0), 0u) << what << r.err;
		EXPECT_NE(r.err.find(c.message), std::string::npos) << what << r.err;
	}
	EXPECT_EQ(count_bpf_links(), links_before);
}

std::vector<nlohmann::json> parse_json_lines(const std::string &text)
{
	std::vector<nlohmann::json> out;
	std::istringstream in(text);
	for (std::string l; std::getline(in, l);)
		if (!l.empty())
			out.push_back(nlohmann::json::parse(l));
	return out;
}

int count_bpf_links()
{
	int links = 0;
	for (__u32 id = 0; bpf_link_get_next_id(id, &id) == 0;)
		++links;
	return links;
}

long rss_kb(int pid)
{
	std::ifstream status("/proc/" + std::to_string(pid) + "/status");
	for (std::string line; std::getline(status, line);)
		if (line.rfind("VmRSS:", 0) == 0)
			return std::atol(line.c_str() + 6);
	return -1;
}

} // namespace nettrace::test
