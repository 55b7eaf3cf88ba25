// SPDX-License-Identifier: MIT
// explain(): each errno it knows, for each attach kind it applies to,
// against a given process and kernel, so that every branch runs here
// whatever this host allows. Doctor and the plugins print what it says.
#include <nettrace/common/bpf/attach.hpp>

#include <gtest/gtest.h>

#include <cctype>
#include <cerrno>
#include <functional>
#include <optional>
#include <ostream>

using namespace nettrace;
using namespace nettrace::bpf;

namespace {

constexpr int enotsupp = 524;

struct Row {
	const char *label;
	std::optional<AttachKind> kind;
	AttachFailure::Stage stage;
	int err;
	std::function<void(AttachEnvironment &)> environment; // from a kernel that allows all
	const char *config;                                   // the kernel config's text
	const char *why; // what the cause must say; "" for no cause
	const char *fix; // what the fix must say; "" for none
};

// gtest names a row by this, not by its bytes.
void PrintTo(const Row &row, std::ostream *os)
{
	*os << row.label;
}

AttachEnvironment allowing()
{
	AttachEnvironment env;
	env.release_major = 6;
	env.release_minor = 1;
	return env;
}

const auto unprivileged = [](AttachEnvironment &e) {
	e.privileged = false;
	e.missing_privileges = "needs root, or CAP_BPF and CAP_PERFMON";
};
const auto locked_down = [](AttachEnvironment &e) { e.lockdown = "confidentiality"; };
const auto as_is = [](AttachEnvironment &) {};
const std::function<void(AttachEnvironment &)> no_btf = [](AttachEnvironment &e) { e.btf = false; };

using S = AttachFailure::Stage;
using K = AttachKind;

const Row rows[] = {
	{"EPERM without privileges", K::Kprobe, S::Load, EPERM, unprivileged, "",
	 "needs root, or CAP_BPF and CAP_PERFMON", "run as root, or give nettrace CAP_BPF"},
	{"without privileges, a config option that is off comes first", K::Kprobe, S::Attach, EPERM,
	 unprivileged, "# CONFIG_KPROBES is not set\n", "CONFIG_KPROBES is not set",
	 "boot a kernel built with CONFIG_KPROBES=y"},
	{"EACCES without privileges", K::Tracepoint, S::Attach, EACCES, unprivileged, "",
	 "needs root, or CAP_BPF and CAP_PERFMON", "run as root"},
	{"EACCES without privileges, any kind", std::nullopt, S::Load, EACCES, unprivileged, "",
	 "needs root, or CAP_BPF and CAP_PERFMON", "run as root"},
	{"EACCES from the verifier is no refusal", K::TpBtf, S::Load, EACCES, as_is, "", "", ""},
	{"EPERM under lockdown", K::Kprobe, S::Attach, EPERM, locked_down, "",
	 "kernel lockdown is in confidentiality mode", "boot without lockdown=confidentiality"},
	{"lockdown forbids kprobes whatever the errno", K::Kprobe, S::Attach, EINVAL, locked_down,
	 "", "kernel lockdown is in confidentiality mode", "lockdown=confidentiality"},
	{"EPERM under lockdown, any kind", std::nullopt, S::Load, EPERM, locked_down, "",
	 "kernel lockdown is in confidentiality mode", "lockdown"},
	{"EPERM with privileges, any kind: libbpf says more", std::nullopt, S::Load, EPERM, as_is,
	 "", "", ""},
	{"EPERM for fentry where ftrace is refused", K::Fentry, S::Load, EPERM,
	 [](AttachEnvironment &e) { e.ftrace_refused = true; }, "",
	 "the kernel refuses function tracing even to root", ""},
	{"EPERM with privileges", K::Fentry, S::Load, EPERM, as_is, "",
	 "refused although this process has the privileges", ""},
	{"ENOENT for kprobe with CONFIG_KPROBES off", K::Kprobe, S::Attach, ENOENT, as_is,
	 "# CONFIG_KPROBES is not set\n", "CONFIG_KPROBES is not set (test config)",
	 "boot a kernel built with CONFIG_KPROBES=y"},
	{"ENOENT for kprobe without its event source", K::Kprobe, S::Attach, ENOENT,
	 [](AttachEnvironment &e) { e.kprobe_source = false; }, "",
	 "the kernel has no kprobe event source", "CONFIG_KPROBES=y"},
	{"ENOENT for kprobe on a kernel that has kprobes", K::Kprobe, S::Attach, ENOENT, as_is,
	 "CONFIG_KPROBES=y\n", "", ""},
	{"ENOENT for raw_tp", K::RawTp, S::Attach, ENOENT, as_is, "",
	 "the kernel has no kfree_skb tracepoint", ""},
	{"ESRCH for tp_btf", K::TpBtf, S::Load, ESRCH, as_is, "",
	 "the kernel has no kfree_skb tracepoint", ""},
	{"tp_btf without BTF", K::TpBtf, S::Load, EINVAL, no_btf, "", "the kernel has no BTF",
	 "CONFIG_DEBUG_INFO_BTF=y"},
	{"ESRCH for fentry", K::Fentry, S::Load, ESRCH, as_is, "",
	 "ip_rcv is not in the kernel's BTF", ""},
	{"ENOENT for fentry", K::Fentry, S::Load, ENOENT, as_is, "",
	 "ip_rcv is not in the kernel's BTF", ""},
	{"ENOTSUPP for fentry", K::Fentry, S::Attach, enotsupp, as_is, "",
	 "no BPF trampolines on this architecture", ""},
	{"fentry without a JIT", K::Fentry, S::Load, EINVAL, as_is, "# CONFIG_BPF_JIT is not set\n",
	 "CONFIG_BPF_JIT is not set", "CONFIG_BPF_JIT=y"},
	{"fentry without direct calls", K::Fentry, S::Attach, EINVAL, as_is,
	 "# CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS is not set\n",
	 "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS is not set",
	 "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS=y"},
	{"EOPNOTSUPP for kprobe.multi", K::KprobeMulti, S::Attach, EOPNOTSUPP, as_is, "",
	 "cannot attach many kprobes at once", "CONFIG_FPROBE=y"},
	{"kprobe.multi with CONFIG_FPROBE off", K::KprobeMulti, S::Attach, EOPNOTSUPP, as_is,
	 "# CONFIG_FPROBE is not set\n", "CONFIG_FPROBE is not set", "CONFIG_FPROBE=y"},
	{"EINVAL for kprobe.multi before 5.18", K::KprobeMulti, S::Attach, EINVAL,
	 [](AttachEnvironment &e) { e.release_major = 5, e.release_minor = 15; }, "",
	 "older than 5.18", ""},
	{"EINVAL for kprobe.multi from 5.18 on", K::KprobeMulti, S::Attach, EINVAL, as_is, "", "",
	 ""},
	{"tracepoint where tracefs is root's", K::Tracepoint, S::Attach, EACCES,
	 [](AttachEnvironment &e) { e.tracefs_root_only = true; }, "",
	 "tracefs is readable by root only", "run as root"},
	{"tracepoint without tracefs", K::Tracepoint, S::Attach, ENOENT,
	 [](AttachEnvironment &e) { e.tracefs_mounted = false; }, "", "tracefs is not mounted",
	 "mount -t tracefs"},
	{"tracepoint without BPF events", K::Tracepoint, S::Attach, EINVAL, as_is,
	 "# CONFIG_BPF_EVENTS is not set\n", "CONFIG_BPF_EVENTS is not set", "CONFIG_BPF_EVENTS=y"},
	{"E2BIG at load", K::TpBtf, S::Load, E2BIG, as_is, "", "larger than this kernel accepts",
	 ""},
	{"E2BIG, any kind: the verifier says more", std::nullopt, S::Load, E2BIG, as_is, "", "",
	 ""},
};

class ExplainTest : public testing::TestWithParam<Row> {};

TEST_P(ExplainTest, NamesTheCauseAndTheFix)
{
	const Row &row = GetParam();
	AttachEnvironment env = allowing();
	row.environment(env);
	const KernelConfig config = KernelConfig::from_text(row.config, "test config");
	const bool function =
		row.kind == K::Fentry || row.kind == K::Kprobe || row.kind == K::KprobeMulti;
	const AttachFailure failure{row.stage, row.err, "libbpf: a line",
				    function ? "ip_rcv" : "kfree_skb"};
	const Cause cause = explain(row.kind, failure, config, env);
	if (*row.why == '\0')
		EXPECT_EQ(cause.why, "") << row.label;
	else
		EXPECT_NE(cause.why.find(row.why), std::string::npos)
			<< row.label << ": " << cause.why;
	if (*row.fix == '\0')
		EXPECT_EQ(cause.fix, "") << row.label;
	else
		EXPECT_NE(cause.fix.find(row.fix), std::string::npos)
			<< row.label << ": " << cause.fix;
}

INSTANTIATE_TEST_SUITE_P(Errnos, ExplainTest, testing::ValuesIn(rows),
			 [](const testing::TestParamInfo<Row> &row) {
				 std::string name;
				 for (const char *c = row.param.label; *c; ++c)
					 name += std::isalnum(static_cast<unsigned char>(*c)) ? *c
											      : '_';
				 return name;
			 });

TEST(ErrnoWords, NameTheKernelsOwnAndLibbpfsCodes)
{
	EXPECT_EQ(errno_name(EPERM), "EPERM");
	EXPECT_EQ(errno_name(enotsupp), "ENOTSUPP");
	EXPECT_EQ(errno_text(enotsupp), "Operation not supported by the kernel");
	EXPECT_EQ(errno_name(4007), "libbpf error 4007");
	EXPECT_EQ(errno_text(ENOENT), "No such file or directory");
}

TEST(ErrnoWords, ThoseThatRefuseAKindWhateverTheProgram)
{
	for (int err : {EPERM, EOPNOTSUPP, enotsupp, ENOSYS})
		EXPECT_TRUE(refuses_every_program(err)) << err;
	for (int err : {EACCES, EINVAL, ENOENT, ESRCH, E2BIG})
		EXPECT_FALSE(refuses_every_program(err)) << err;
}

TEST(AttachKinds, AreNamedAsSecAndAttachSpellThem)
{
	EXPECT_STREQ(name(K::Tracepoint), "tracepoint");
	EXPECT_STREQ(name(K::RawTp), "raw_tp");
	EXPECT_STREQ(name(K::TpBtf), "tp_btf");
	EXPECT_STREQ(name(K::Kprobe), "kprobe");
	EXPECT_STREQ(name(K::KprobeMulti), "kprobe.multi");
	EXPECT_STREQ(name(K::Fentry), "fentry");
}

TEST(KernelConfigText, TellsOffFromUnnamed)
{
	const KernelConfig c = KernelConfig::from_text(
		"CONFIG_KPROBES=y\n# CONFIG_FPROBE is not set\nCONFIG_X=\"a b\"\n", "here");
	EXPECT_FALSE(c.off("CONFIG_KPROBES"));
	EXPECT_TRUE(c.off("CONFIG_FPROBE"));
	EXPECT_FALSE(c.off("CONFIG_NOT_NAMED"));
	EXPECT_EQ(c.value("CONFIG_X"), "\"a b\"");
	EXPECT_EQ(c.source(), "here");
}

} // namespace
