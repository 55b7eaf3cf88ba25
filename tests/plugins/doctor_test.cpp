// SPDX-License-Identifier: MIT
// nettrace doctor, run as users run it, against what the kernel it runs on
// allows as learned outside nettrace (tests/support/attach_probe) and what
// its config says. The kernel matrix runs it again under 6.1 and 6.12.
#include "attach_probe.hpp"
#include "process.hpp"
#include "requirements.hpp"
#include "text.hpp"
#include "tracer_run.hpp"

#include <gtest/gtest.h>

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

using namespace nettrace::test;
using nlohmann::json;

namespace {

const std::string fixtures = NETTRACE_FIXTURE_DIR;

struct Doctor {
	ProcessResult result;
	json doc;
};

Doctor run_doctor(std::vector<std::string> args, const std::vector<std::string> &prefix = {},
		  const std::vector<std::string> &env = {})
{
	std::vector<std::string> argv = prefix;
	argv.push_back(nettrace_binary());
	argv.insert(argv.end(), args.begin(), args.end());
	Doctor d{run_process(argv, env), {}};
	if (!d.result.out.empty() && d.result.out[0] == '{')
		d.doc = json::parse(d.result.out);
	return d;
}

// The entry named `name` of a JSON array; an empty object when none is.
json entry(const json &array, const std::string &name)
{
	for (const json &e : array)
		if (e.value("name", "") == name)
			return e;
	ADD_FAILURE() << "no entry named '" << name << "' in " << array.dump();
	return json::object();
}

// The kernel's build options, read the way a user would; empty when the
// config cannot be read.
std::string kernel_config()
{
	utsname uts{};
	uname(&uts);
	const ProcessResult zcat = run_process({"sh", "-c", "zcat /proc/config.gz 2>/dev/null"});
	if (!zcat.out.empty())
		return zcat.out;
	std::ifstream in(std::string("/boot/config-") + uts.release);
	std::ostringstream text;
	text << in.rdbuf();
	return text.str();
}

bool config_says_off(const std::string &config, const std::string &option)
{
	return !config.empty() && config.find("# " + option + " is not set") != std::string::npos;
}

struct KernelBtfFacts {
	int kfree_skb_args = -1;  // what skb:kfree_skb passes to tp_btf programs
	int drop_reason_max = -1; // SKB_DROP_REASON_MAX
};

// Read from `bpftool btf dump`, whose lines are "[ID] KIND 'NAME' ...":
// btf_trace_kfree_skb is a typedef of a pointer to a prototype whose first
// parameter is the program's context.
KernelBtfFacts kernel_btf_facts()
{
	const std::string dump =
		run_process({"bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux"}).out;
	std::map<long, std::string> by_id;
	std::istringstream lines(dump);
	KernelBtfFacts facts;
	long trace_typedef = -1;
	for (std::string line; std::getline(lines, line);) {
		if (line.rfind("\t'SKB_DROP_REASON_MAX' val=", 0) == 0)
			facts.drop_reason_max = std::stoi(line.substr(line.find('=') + 1));
		if (line.empty() || line[0] != '[')
			continue;
		const long id = std::stol(line.substr(1));
		if (line.find("] TYPEDEF 'btf_trace_kfree_skb' ") != std::string::npos)
			trace_typedef = id;
		by_id[id] = line;
	}
	auto referenced = [&](long id) -> const std::string & {
		static const std::string none;
		const auto it = by_id.find(id);
		if (it == by_id.end())
			return none;
		const auto at = it->second.find("type_id=");
		return at == std::string::npos ? none : by_id[std::stol(it->second.substr(at + 8))];
	};
	if (trace_typedef < 0)
		return facts;
	const std::string &pointer = referenced(trace_typedef);
	const std::string id_of_pointer = pointer.substr(1, pointer.find(']') - 1);
	const std::string &proto = pointer.empty() ? pointer : referenced(std::stol(id_of_pointer));
	const auto vlen = proto.find("vlen=");
	if (proto.find("FUNC_PROTO") != std::string::npos && vlen != std::string::npos)
		facts.kfree_skb_args = std::stoi(proto.substr(vlen + 5)) - 1;
	return facts;
}

const std::map<std::string, std::string> doctor_names = {{"fentry", "fentry"},
							 {"kprobe", "kprobe"},
							 {"kprobe_multi", "kprobe.multi"}};

class DoctorTest : public testing::Test {
protected:
	void SetUp() override { NETTRACE_REQUIRE_BPF(); }
};

TEST_F(DoctorTest, TriesEachAttachTypeAndSaysWhyOneFails)
{
	const int links_before = count_bpf_links();
	const Doctor d = run_doctor({"doctor", "--json"});
	ASSERT_TRUE(d.doc.is_object()) << d.result.out << d.result.err;
	EXPECT_EQ(d.result.err, "");
	const json &checks = d.doc["checks"];
	for (const char *tp : {"tracepoint", "raw_tp", "tp_btf"})
		EXPECT_EQ(entry(checks, tp)["status"], "ok") << entry(checks, tp).dump();

	const std::string config = kernel_config();
	// "load failed: EPERM (Operation not permitted): <cause>"
	const std::regex failure_with_cause(
		R"((load|attach|open) failed: E[A-Z]+ \([^)]*\): .{10,})");
	for (const std::string &m : attach_mechanisms()) {
		const std::string error = try_attach_mechanism(m);
		const json c = entry(checks, doctor_names.at(m));
		const std::string detail = c.value("detail", "");
		if (error.empty()) {
			EXPECT_EQ(c["status"], "ok") << m << ": " << detail;
			continue;
		}
		EXPECT_EQ(c["status"], "missing") << m << " fails here: " << error;
		EXPECT_TRUE(std::regex_search(detail, failure_with_cause)) << m << ": " << detail;
		EXPECT_FALSE(c.value("errno", "").empty()) << c.dump();
		if (m == "kprobe" && config_says_off(config, "CONFIG_KPROBES")) {
			EXPECT_NE(detail.find("CONFIG_KPROBES is not set"), std::string::npos)
				<< detail;
		}
		if (m == "kprobe_multi" && config_says_off(config, "CONFIG_FPROBE")) {
			EXPECT_NE(detail.find("CONFIG_FPROBE is not set"), std::string::npos)
				<< detail;
		}
	}
	EXPECT_EQ(count_bpf_links(), links_before) << "doctor left a program attached";
}

TEST_F(DoctorTest, ReportsTheKernelItTraces)
{
	const Doctor d = run_doctor({"doctor", "--json"});
	ASSERT_TRUE(d.doc.is_object()) << d.result.out << d.result.err;
	utsname uts{};
	uname(&uts);
	EXPECT_EQ(d.doc["kernel"]["release"], uts.release);
	const json &checks = d.doc["checks"];
	EXPECT_EQ(entry(checks, "vmlinux BTF")["status"], "ok");
	for (const char *cap : {"root", "CAP_BPF", "CAP_PERFMON", "CAP_SYS_ADMIN", "ring buffer",
				"tracefs", "kallsyms", "libpcap"})
		EXPECT_EQ(entry(checks, cap)["status"], "ok") << entry(checks, cap).dump();

	// What skb:kfree_skb carries, and how many reasons the kernel names,
	// read from its BTF with bpftool.
	const KernelBtfFacts facts = kernel_btf_facts();
	ASSERT_GE(facts.kfree_skb_args, 2) << "bpftool found no btf_trace_kfree_skb";
	const json kfree = entry(checks, "kfree_skb");
	const std::string kfree_detail = kfree.value("detail", "");
	if (facts.kfree_skb_args >= 4) {
		EXPECT_EQ(kfree["status"], "ok") << kfree.dump();
		EXPECT_NE(kfree_detail.find("reason and rx_sk"), std::string::npos) << kfree_detail;
	} else {
		EXPECT_EQ(kfree["status"], "degraded") << kfree.dump();
		EXPECT_NE(kfree_detail.find(facts.kfree_skb_args == 3 ? "no rx_sk" : "no reason"),
			  std::string::npos)
			<< kfree_detail;
	}
	// Before 5.17 the kernel has neither reasons nor their names.
	if (facts.kfree_skb_args < 3) {
		EXPECT_EQ(facts.drop_reason_max, -1);
		EXPECT_EQ(entry(checks, "drop reasons")["status"], "degraded");
		return;
	}
	// Core codes run from 0 to SKB_DROP_REASON_MAX - 1.
	ASSERT_GT(facts.drop_reason_max, 2) << "bpftool found no SKB_DROP_REASON_MAX";
	const std::string detail = entry(checks, "drop reasons").value("detail", "");
	EXPECT_EQ(detail.rfind(std::to_string(facts.drop_reason_max) + " core reasons", 0), 0u)
		<< detail << " vs SKB_DROP_REASON_MAX " << facts.drop_reason_max;
}

TEST_F(DoctorTest, SaysWhetherEachPluginRunsFully)
{
	const Doctor d = run_doctor({"doctor", "--json"});
	ASSERT_TRUE(d.doc.is_object()) << d.result.out << d.result.err;
	const json &plugins = d.doc["plugins"];
	// tcpdrop, skbstat, skbtrace and exporter, not itself
	ASSERT_EQ(plugins.size(), 4u) << plugins.dump();
	// Before 5.17 kfree_skb passes no reason: both run degraded.
	const bool reasons = kernel_btf_facts().kfree_skb_args >= 3;
	const json tcpdrop = entry(plugins, "tcpdrop");
	EXPECT_EQ(tcpdrop["status"], reasons ? "ok" : "degraded") << tcpdrop.dump();
	EXPECT_EQ(tcpdrop["verdict"], reasons ? "runs fully" : "runs degraded: drop reasons");
	// The exporter counts with or without reasons; without them its
	// series carry none, as tcpdrop's records do.
	const json exporter = entry(plugins, "exporter");
	EXPECT_EQ(exporter["status"], reasons ? "ok" : "degraded") << exporter.dump();
	EXPECT_EQ(entry(exporter["findings"], "exporter: drop counting")["status"], "ok")
		<< exporter.dump();

	// skbstat's function rows need fentry or kprobes.
	const bool functions =
		try_attach_mechanism("fentry").empty() || try_attach_mechanism("kprobe").empty();
	const json skbstat = entry(plugins, "skbstat");
	const json rows = entry(skbstat["findings"], "skbstat: function rows");
	if (functions) {
		EXPECT_EQ(skbstat["status"], reasons ? "ok" : "degraded") << skbstat.dump();
		EXPECT_EQ(rows["status"], "ok") << rows.dump();
	} else {
		EXPECT_EQ(skbstat["status"], "degraded") << skbstat.dump();
		EXPECT_EQ(skbstat["verdict"],
			  reasons ? "runs degraded: function rows"
				  : "runs degraded: function rows, drop reasons");
		EXPECT_EQ(rows["status"], "degraded") << rows.dump();
		EXPECT_NE(rows.value("detail", "").find(" unavailable"), std::string::npos)
			<< rows.dump();
		EXPECT_FALSE(rows.value("fix", "").empty());
	}
	// skbtrace follows packets at tracepoints anywhere, and through
	// functions where kprobe.multi, fentry or kprobes attach.
	const bool any_functions = functions || try_attach_mechanism("kprobe_multi").empty();
	const json skbtrace = entry(plugins, "skbtrace");
	EXPECT_EQ(entry(skbtrace["findings"], "skbtrace: tracepoints")["status"], "ok")
		<< skbtrace.dump();
	EXPECT_EQ(entry(skbtrace["findings"], "skbtrace: kernel functions")["status"],
		  any_functions ? "ok" : "degraded")
		<< skbtrace.dump();
	const int expected_exit = functions && reasons ? 0 : 1;
	EXPECT_EQ(d.result.exit_code, expected_exit) << d.result.err;
	EXPECT_EQ(d.doc["exit_code"], expected_exit);

	// Named plugins only: tcpdrop runs fully wherever there are reasons.
	const Doctor only = run_doctor({"doctor", "--json", "tcpdrop"});
	EXPECT_EQ(only.result.exit_code, reasons ? 0 : 1) << only.result.out << only.result.err;
	ASSERT_TRUE(only.doc.is_object());
	EXPECT_EQ(only.doc["plugins"].size(), 1u);
}

// doctor -v shows what libbpf said while each plugin's check loaded its
// programs, not only what it said of doctor's own; without -v, none of it.
// Where the kernel refuses function probes, skbstat's check has libbpf
// complain about its own programs (kprobe_..., fentry_...).
TEST_F(DoctorTest, VerboseShowsWhatLibbpfSaidDuringEachPluginsCheck)
{
	const std::regex skbstat_program("libbpf: prog '(kprobe|fentry)_[a-z0-9_]+'");
	const Doctor quiet = run_doctor({"doctor", "skbstat"});
	EXPECT_FALSE(std::regex_search(quiet.result.err, skbstat_program)) << quiet.result.err;
	if (try_attach_mechanism("fentry").empty() && try_attach_mechanism("kprobe").empty())
		GTEST_SKIP() << "fentry and kprobes attach here: skbstat's check makes libbpf "
				"say nothing of its programs";
	const Doctor verbose = run_doctor({"doctor", "-v", "skbstat"});
	EXPECT_TRUE(std::regex_search(verbose.result.err, skbstat_program)) << verbose.result.err;
	// The same report, but for symbol counts: BPF programs that other
	// processes load between the two runs come and go in kallsyms.
	const std::regex symbol_count("[0-9]+ (kernel )?symbols");
	EXPECT_EQ(std::regex_replace(verbose.result.out, symbol_count, "N symbols"),
		  std::regex_replace(quiet.result.out, symbol_count, "N symbols"));
}

// The text report: each check on one line under the group of its status,
// its fix on the next line, then one verdict line per plugin.
TEST_F(DoctorTest, TextGroupsEveryCheckUnderItsStatus)
{
	const Doctor j = run_doctor({"doctor", "--json"});
	const Doctor t = run_doctor({"doctor"});
	ASSERT_TRUE(j.doc.is_object()) << j.result.out << j.result.err;
	EXPECT_EQ(t.result.exit_code, j.result.exit_code);
	std::map<std::string, std::string> group_of; // check name -> group
	std::map<std::string, std::string> fix_of;
	std::string group, last;
	bool in_fix = false;
	std::istringstream lines(t.result.out);
	for (std::string line; std::getline(lines, line);) {
		if (line == "OK" || line == "DEGRADED" || line == "MISSING" || line == "PLUGINS") {
			group = line;
			continue;
		}
		if (line.rfind("  ", 0) != 0 || group == "PLUGINS")
			continue;
		const std::string rest = line.substr(2);
		// Lines that start with spaces go on with the detail or the fix
		// above, cut at a space to fit 80 columns.
		if (rest[0] == ' ') {
			const std::string text = rest.substr(rest.find_first_not_of(' '));
			if (text.rfind("fix: ", 0) == 0) {
				fix_of[last] = text.substr(5);
				in_fix = true;
			} else if (in_fix) {
				fix_of[last] += " " + text;
			}
			continue;
		}
		in_fix = false;
		// The name ends where two spaces begin the detail.
		last = rest.substr(0, rest.find("  "));
		group_of[last] = group;
	}
	for (const json &c : j.doc["checks"]) {
		const std::string name = c["name"];
		std::string status = c["status"];
		for (char &ch : status)
			ch = static_cast<char>(std::toupper(ch));
		EXPECT_EQ(group_of[name], status) << name << "\n" << t.result.out;
		EXPECT_EQ(fix_of[name], c.value("fix", "")) << name;
	}
	for (const json &p : j.doc["plugins"]) {
		const std::regex verdict("\n  " + p["name"].get<std::string>() + " +[A-Z]+ +" +
					 p["verdict"].get<std::string>() + "\n");
		EXPECT_TRUE(std::regex_search(t.result.out, verdict)) << p.dump() << t.result.out;
	}
}

// A user made for the test, removed at the end even when the test fails.
struct UnprivilegedUser {
	UnprivilegedUser()
	{
		run_shell_checked("userdel " + name +
				  " 2>/dev/null; useradd --system "
				  "--no-create-home --shell /usr/sbin/nologin " +
				  name);
	}
	~UnprivilegedUser() { run_process({"userdel", name}); }
	const std::string name = "nettrace-doctor-test";
};

TEST_F(DoctorTest, WithoutPrivilegesSaysWhichAreMissing)
{
	UnprivilegedUser user;
	// setpriv changes the user ids, which drops every capability.
	const Doctor d = run_doctor({"doctor", "--json"},
				    {"setpriv", "--reuid=" + user.name, "--regid=" + user.name,
				     "--clear-groups"},
				    {"NETTRACE_CACHE_DIR="});
	ASSERT_TRUE(d.doc.is_object()) << d.result.out << d.result.err;
	EXPECT_EQ(d.result.exit_code, 1);
	EXPECT_EQ(d.result.err, "");
	const json &checks = d.doc["checks"];
	for (const char *p : {"root", "CAP_BPF", "CAP_PERFMON", "CAP_SYS_ADMIN"})
		EXPECT_EQ(entry(checks, p)["status"], "missing") << entry(checks, p).dump();
	EXPECT_NE(entry(checks, "root").value("detail", "").find("running as uid "),
		  std::string::npos);
	// One root cause, one fix: the first finding to need root gives it,
	// the others (capabilities, attach types, plugins) point at it.
	const std::string run_as_root = "run as root, or give nettrace CAP_BPF and CAP_PERFMON";
	EXPECT_EQ(entry(checks, "root").value("fix", ""), run_as_root);
	int fixes = 0;
	for (const json &c : checks)
		fixes += c.value("fix", "") == run_as_root;
	EXPECT_EQ(fixes, 1) << checks.dump();
	// A build option that is off fails as root too: it is said first.
	const std::string config = kernel_config();
	for (const auto &[type, option] :
	     std::map<std::string, std::string>{{"tracepoint", "CONFIG_BPF_EVENTS"},
						{"tp_btf", ""},
						{"kprobe", "CONFIG_KPROBES"},
						{"fentry", "CONFIG_BPF_JIT"}}) {
		const json c = entry(checks, type);
		EXPECT_EQ(c["status"], "missing");
		const std::string detail = c.value("detail", "");
		if (!option.empty() && config_says_off(config, option)) {
			EXPECT_NE(detail.find(option + " is not set"), std::string::npos)
				<< c.dump();
			EXPECT_EQ(c.value("fix", ""), "boot a kernel built with " + option + "=y");
		} else {
			EXPECT_EQ(c["errno"], "EPERM") << c.dump();
			EXPECT_NE(detail.find("missing privileges (see root)"), std::string::npos)
				<< c.dump();
		}
	}
	for (const char *plugin : {"tcpdrop", "skbstat", "exporter"}) {
		const json p = entry(d.doc["plugins"], plugin);
		EXPECT_EQ(p["status"], "missing") << p.dump();
		const json f = entry(p["findings"], std::string(plugin) + ": privileges");
		EXPECT_EQ(f.value("detail", ""), "missing privileges (see root)") << f.dump();
		EXPECT_EQ(f.value("fix", ""), "") << f.dump();
	}

	// The text says the fix once too.
	const Doctor text = run_doctor({"doctor"},
				       {"setpriv", "--reuid=" + user.name, "--regid=" + user.name,
					"--clear-groups"},
				       {"NETTRACE_CACHE_DIR="});
	EXPECT_EQ(count_lines_containing(text.result.out, "fix: run as root,"), 1u)
		<< text.result.out;
}

// The README's non-root set-up, CAP_BPF and CAP_PERFMON: the kernel shows
// /proc/kallsyms addresses to it only with CAP_SYSLOG, or with
// kernel.perf_event_paranoid at 1 or below, and doctor says so.
TEST_F(DoctorTest, KallsymsAdviceFitsTracingCapabilitiesWithoutCapSyslog)
{
	UnprivilegedUser user;
	const std::vector<std::string> tracer = {
		"setpriv",        "--reuid=" + user.name,     "--regid=" + user.name,
		"--clear-groups", "--inh-caps=+bpf,+perfmon", "--ambient-caps=+bpf,+perfmon"};
	std::vector<std::string> as_tracer = tracer;
	as_tracer.insert(as_tracer.end(), {"head", "-n", "1", "/proc/kallsyms"});
	if (run_process(as_tracer).out.rfind("0000000000000000 ", 0) != 0)
		GTEST_SKIP() << "this kernel shows addresses without CAP_SYSLOG "
				"(kernel.perf_event_paranoid below 2?)";
	const Doctor d =
		run_doctor({"doctor", "--json", "tcpdrop"}, tracer, {"NETTRACE_CACHE_DIR="});
	ASSERT_TRUE(d.doc.is_object()) << d.result.out << d.result.err;
	const json kallsyms = entry(d.doc["checks"], "kallsyms");
	EXPECT_EQ(kallsyms["status"], "degraded") << kallsyms.dump();
	const std::string fix = kallsyms.value("fix", "");
	EXPECT_NE(fix.find("CAP_SYSLOG"), std::string::npos) << fix;
	EXPECT_EQ(fix.find("run as root"), std::string::npos) << fix;

	// And CAP_SYSLOG is what it takes.
	std::vector<std::string> with_syslog = {"setpriv",
						"--reuid=" + user.name,
						"--regid=" + user.name,
						"--clear-groups",
						"--inh-caps=+bpf,+perfmon,+syslog",
						"--ambient-caps=+bpf,+perfmon,+syslog"};
	const Doctor granted =
		run_doctor({"doctor", "--json", "tcpdrop"}, with_syslog, {"NETTRACE_CACHE_DIR="});
	ASSERT_TRUE(granted.doc.is_object()) << granted.result.out << granted.result.err;
	EXPECT_EQ(entry(granted.doc["checks"], "kallsyms")["status"], "ok")
		<< entry(granted.doc["checks"], "kallsyms").dump();
}

// 80 columns: a long detail goes on under its own column, never under the
// names, and the JSON keys come in the order doctor(8) lists them.
TEST_F(DoctorTest, TextFitsEightyColumnsAndJsonKeepsTheDocumentedOrder)
{
	const Doctor t = run_doctor({"doctor"});
	ASSERT_FALSE(t.result.out.empty()) << t.result.err;
	std::size_t continued = 0;
	for (const std::string &line : split_lines(t.result.out)) {
		EXPECT_LE(line.size(), 80u) << line;
		// A continuation starts in the detail column, after the names.
		if (line.rfind("      ", 0) == 0 && line.find("fix: ") == std::string::npos)
			++continued;
	}
	EXPECT_GT(continued, 0u) << "no detail here is long enough to wrap:\n" << t.result.out;

	const Doctor j = run_doctor({"doctor", "--json"});
	const std::string &raw = j.result.out;
	const auto at = [&](const std::string &key) { return raw.find("\"" + key + "\":"); };
	EXPECT_LT(at("kernel"), at("checks"));
	EXPECT_LT(at("checks"), at("plugins"));
	EXPECT_LT(at("plugins"), at("exit_code"));
	EXPECT_NE(at("exit_code"), std::string::npos);
	EXPECT_NE(raw.find("{\"name\":\"kernel\",\"status\":\"ok\",\"detail\":"), std::string::npos)
		<< raw.substr(0, 300);
	EXPECT_NE(raw.find("{\"name\":\"tcpdrop\",\"file\":"), std::string::npos)
		<< raw.substr(0, 300);
}

TEST_F(DoctorTest, OlderPluginsLoadButCannotBeChecked)
{
	// The 1.0 plugin still runs.
	const ProcessResult ran =
		run_process({nettrace_binary(), "--plugin-dir", fixtures, "fixture-abi-1-0"});
	EXPECT_EQ(ran.exit_code, 0) << ran.err;
	EXPECT_EQ(ran.out, "fixture-abi-1-0 ran\n");

	const Doctor d = run_doctor({"--plugin-dir", fixtures, "doctor", "--json",
				     "fixture-abi-1-0", "fixture-check-throws"});
	ASSERT_TRUE(d.doc.is_object()) << d.result.out << d.result.err;
	EXPECT_EQ(d.result.exit_code, 1);
	const json old = entry(d.doc["plugins"], "fixture-abi-1-0");
	EXPECT_EQ(old["checked"], false);
	EXPECT_EQ(old["abi"], "1.0");
	EXPECT_EQ(old["verdict"], "cannot be checked: built for plugin ABI 1.0, which has no "
				  "check entry point");
	// A check that throws keeps what it reported before, and cannot run.
	const json throws = entry(d.doc["plugins"], "fixture-check-throws");
	EXPECT_EQ(throws["status"], "missing");
	EXPECT_EQ(entry(throws["findings"], "fixture-check-throws: first")["status"], "ok");
	EXPECT_EQ(entry(throws["findings"], "fixture-check-throws: check")["detail"],
		  "cannot read /nonexistent/state");
}

// Each check runs in a child: one that crashes takes only itself down.
TEST_F(DoctorTest, ACheckThatCrashesIsReportedAndTheOthersStillAre)
{
	const Doctor d = run_doctor({"--plugin-dir", NETTRACE_CHECK_FIXTURE_DIR, "doctor", "--json",
				     "fixture-check-crashes", "tcpdrop"});
	ASSERT_EQ(d.result.signal, 0) << d.result.err;
	ASSERT_TRUE(d.doc.is_object()) << d.result.out << d.result.err;
	EXPECT_EQ(d.result.exit_code, 1);
	EXPECT_EQ(d.doc["exit_code"], 1);
	// Before 5.17 tcpdrop runs without drop reasons.
	EXPECT_EQ(entry(d.doc["plugins"], "tcpdrop")["status"],
		  kernel_btf_facts().kfree_skb_args >= 3 ? "ok" : "degraded");
	const json crashes = entry(d.doc["plugins"], "fixture-check-crashes");
	EXPECT_EQ(crashes["status"], "missing") << crashes.dump();
	EXPECT_EQ(entry(crashes["findings"], "fixture-check-crashes: first")["status"], "ok");
	const json check = entry(crashes["findings"], "fixture-check-crashes: check");
	EXPECT_EQ(check["status"], "missing");
	EXPECT_EQ(check["detail"], "check crashed: SIGSEGV");

	const Doctor t = run_doctor(
		{"--plugin-dir", NETTRACE_CHECK_FIXTURE_DIR, "doctor", "fixture-check-crashes"});
	EXPECT_EQ(t.result.exit_code, 1) << t.result.err;
	EXPECT_TRUE(std::regex_search(
		t.result.out,
		std::regex("\\n  fixture-check-crashes +MISSING +cannot run: check\\n")))
		<< t.result.out;
}

TEST_F(DoctorTest, BadCommandLinesExitTwo)
{
	expect_usage_errors(
		"doctor",
		{
			{{"--bogus"}, "unknown option '--bogus' (see 'nettrace doctor -h')"},
			{{"--jsn"}, "unknown option '--jsn'; did you mean --json?"},
			{{"--json=yes"}, "--json: takes no value"},
			{{"nosuch"}, "unknown plugin 'nosuch' (see 'nettrace --list')"},
			{{"tcpdorp"},
			 "unknown plugin 'tcpdorp'; did you mean tcpdrop? (see 'nettrace --list')"},
			{{"doctor"}, "doctor does not check itself"},
		});
}

} // namespace
