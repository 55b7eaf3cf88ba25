// SPDX-License-Identifier: MIT
// A command that cannot attach and doctor, asked about the same kind on
// the same kernel, name the same cause: both take it from
// bpf::explain(). Driven for real with whatever fails on the kernel this
// runs on; tests/unit/attach_causes_test.cpp covers every errno.
#include "process.hpp"
#include "requirements.hpp"
#include "tracer_run.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <regex>

using namespace nettrace::test;
using nlohmann::json;

namespace {

// doctor --json's checks, run with `prefix` (e.g. setpriv) before it.
json doctor_checks(const std::vector<std::string> &prefix = {},
		   const std::vector<std::string> &env = {})
{
	std::vector<std::string> argv = prefix;
	argv.insert(argv.end(), {nettrace_binary(), "doctor", "--json"});
	const ProcessResult r = run_process(argv, env);
	if (r.out.empty() || r.out[0] != '{') {
		ADD_FAILURE() << "doctor printed no JSON: " << r.out << r.err;
		return json::array();
	}
	return json::parse(r.out)["checks"];
}

json finding(const json &checks, const std::string &name)
{
	for (const json &c : checks)
		if (c.value("name", "") == name)
			return c;
	ADD_FAILURE() << "doctor has no finding '" << name << "'";
	return json::object();
}

struct DoctorCause {
	std::string errno_text; // "No such file or directory"
	std::string why;        // after it: the likely cause
};

// "attach failed: ENOENT (No such file or directory): <why>"
DoctorCause cause_in(const std::string &detail)
{
	static const std::regex shape(R"((?:open|load|attach) failed: E[A-Z]+ \(([^)]*)\): (.+))");
	std::smatch m;
	if (!std::regex_match(detail, m, shape))
		return {};
	return {m[1], m[2]};
}

// One line on stderr, exit 1, that names `cause` after `errno_text`.
void expect_names(const ProcessResult &r, const DoctorCause &cause, const std::string &what)
{
	EXPECT_EQ(r.exit_code, 1) << what << ": " << r.err;
	EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << ": " << r.err;
	EXPECT_NE(r.err.find(cause.errno_text + ": " + cause.why), std::string::npos)
		<< what << " says: " << r.err << "doctor says: " << cause.why;
}

TEST(AttachAgreement, SkbstatForcedToAKindNamesDoctorsCauseForIt)
{
	NETTRACE_REQUIRE_BPF();
	const json checks = doctor_checks();
	int compared = 0;
	// The kinds skbstat can be forced to that fail on this kernel.
	for (const std::string kind : {"fentry", "kprobe", "tp_btf", "tracepoint"}) {
		const json f = finding(checks, kind);
		if (f.value("status", "") == "ok")
			continue;
		const DoctorCause cause = cause_in(f.value("detail", ""));
		ASSERT_FALSE(cause.why.empty()) << "doctor names no cause: " << f.dump();
		const int links_before = count_bpf_links();
		const ProcessResult r =
			run_process({nettrace_binary(), "skbstat", "--attach", kind, "--input"});
		expect_names(r, cause, "skbstat --attach " + kind);
		EXPECT_EQ(count_bpf_links(), links_before);
		++compared;
	}
	if (compared == 0)
		GTEST_SKIP() << "every kind skbstat attaches by works on this kernel";
}

// Without privileges the load fails with EPERM: doctor says so once, in
// its root finding with the fix the commands give, and its attach
// findings point at it unless a build option that is off explains them.
TEST(AttachAgreement, WithoutPrivilegesCommandsAndDoctorNameTheSameMissingOnes)
{
	NETTRACE_REQUIRE_BPF();
	// setpriv changes the user ids to nobody's, which drops every capability.
	const std::vector<std::string> nobody = {"setpriv", "--reuid=65534", "--regid=65534",
						 "--clear-groups"};
	const std::vector<std::string> env = {"NETTRACE_CACHE_DIR="};
	const json checks = doctor_checks(nobody, env);
	const std::string fix = "run as root, or give nettrace CAP_BPF and CAP_PERFMON";
	const json root = finding(checks, "root");
	EXPECT_EQ(root.value("detail", ""), "running as uid 65534") << root.dump();
	EXPECT_EQ(root.value("fix", ""), fix) << root.dump();
	for (const char *kind : {"tracepoint", "tp_btf", "kprobe", "fentry"}) {
		const json f = finding(checks, kind);
		const DoctorCause cause = cause_in(f.value("detail", ""));
		EXPECT_EQ(cause.errno_text, "Operation not permitted") << f.dump();
		if (cause.why.find(" is not set (") != std::string::npos) {
			EXPECT_EQ(cause.why.rfind("CONFIG_", 0), 0u) << f.dump();
			continue;
		}
		EXPECT_EQ(cause.why, "missing privileges (see root)") << f.dump();
		EXPECT_EQ(f.value("fix", ""), "") << f.dump();
	}
	for (const char *command : {"skbstat", "tcpdrop"}) {
		std::vector<std::string> argv = nobody;
		argv.insert(argv.end(), {nettrace_binary(), command});
		const ProcessResult r = run_process(argv, env);
		EXPECT_EQ(r.exit_code, 1) << command << ": " << r.err;
		EXPECT_NE(r.err.find(
				  "needs root, or CAP_BPF and CAP_PERFMON (running as uid 65534 "),
			  std::string::npos)
			<< command << " says: " << r.err;
	}
}

} // namespace
