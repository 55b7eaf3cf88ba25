// SPDX-License-Identifier: MIT
// Loading and attaching through the common helper, and the messages it
// gives when the kernel says no.
#include "requirements.hpp"

#include "ringbuf_probe.skel.h"

#include <nettrace/common/bpf/best_effort.hpp>
#include <nettrace/common/bpf/skeleton.hpp>
#include <nettrace/common/preflight/privileges.hpp>

#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace nettrace;

namespace {

// How many BPF links and programs exist on the whole machine.
std::pair<int, int> count_links_and_programs()
{
	int links = 0, progs = 0;
	for (__u32 id = 0; bpf_link_get_next_id(id, &id) == 0;)
		++links;
	for (__u32 id = 0; bpf_prog_get_next_id(id, &id) == 0;)
		++progs;
	return {links, progs};
}

} // namespace

class BpfLoaderTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		NETTRACE_REQUIRE_BPF();
		bpf::capture_libbpf_log(false);
	}
};

TEST_F(BpfLoaderTest, LoadsAttachesAndFires)
{
	bpf::Skeleton<ringbuf_probe_bpf> skel(NETTRACE_SKELETON_OPS(ringbuf_probe_bpf),
					      "ringbuf_probe");
	skel->rodata->target_tgid = static_cast<std::uint32_t>(getpid());
	bpf_program__set_autoload(skel->progs.rejected, false);
	skel.load();
	skel.attach();
	for (int i = 0; i < 3; ++i)
		syscall(SYS_getppid);
	EXPECT_EQ(skel->bss->sequence, 3u);
}

TEST_F(BpfLoaderTest, VerifierRejectionQuotesTheVerifierAndLeavesNothingBehind)
{
	const auto before = count_links_and_programs();
	try {
		bpf::Skeleton<ringbuf_probe_bpf> skel(NETTRACE_SKELETON_OPS(ringbuf_probe_bpf),
						      "ringbuf_probe");
		skel.load();
		FAIL() << "a program without a NULL check was accepted";
	} catch (const RuntimeError &e) {
		const std::string msg = e.what();
		EXPECT_EQ(msg.rfind("loading BPF object 'ringbuf_probe' failed (", 0), 0u) << msg;
		EXPECT_NE(msg.find("the kernel's verifier rejected a program"), std::string::npos)
			<< msg;
		// The verifier's own diagnosis of the missing NULL check.
		EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
		EXPECT_NE(msg.find("map_value_or_null"), std::string::npos) << msg;
	}
	EXPECT_EQ(count_links_and_programs(), before);
}

// The kernel refuses one program of two: the other loads and works, and
// the refused one is named with the kernel's errno, not found in libbpf's
// wording.
TEST_F(BpfLoaderTest, BestEffortLoadLeavesOutTheProgramTheKernelRefuses)
{
	const auto before = count_links_and_programs();
	{
		const auto tgid = static_cast<std::uint32_t>(getpid());
		auto loaded = bpf::load_best_effort<ringbuf_probe_bpf>(
			NETTRACE_SKELETON_OPS(ringbuf_probe_bpf), "ringbuf_probe",
			{"rejected", "on_getppid"},
			[&](ringbuf_probe_bpf *s) { s->rodata->target_tgid = tgid; });
		ASSERT_EQ(loaded.programs.size(), 2u);
		EXPECT_EQ(loaded.programs[0].program, "rejected");
		ASSERT_TRUE(loaded.programs[0].refused.has_value());
		EXPECT_EQ(loaded.programs[0].refused->stage, bpf::AttachFailure::Stage::Load);
		EXPECT_EQ(loaded.programs[0].refused->err, EACCES);
		EXPECT_EQ(loaded.programs[1].program, "on_getppid");
		EXPECT_FALSE(loaded.programs[1].refused.has_value());
		ASSERT_TRUE(loaded.skeleton);
		auto &skel = *loaded.skeleton;
		EXPECT_LT(bpf_program__fd(skel->progs.rejected), 0);
		skel.attach();
		for (int i = 0; i < 2; ++i)
			syscall(SYS_getppid);
		EXPECT_EQ(skel->bss->sequence, 2u);
	}
	EXPECT_EQ(count_links_and_programs(), before);
}

TEST_F(BpfLoaderTest, LoadingExactlyARefusedProgramKeepsNothing)
{
	const auto before = count_links_and_programs();
	auto loaded =
		bpf::load_exactly<ringbuf_probe_bpf>(NETTRACE_SKELETON_OPS(ringbuf_probe_bpf),
						     "ringbuf_probe", {"rejected", "on_getppid"});
	ASSERT_TRUE(loaded.failure.has_value());
	EXPECT_EQ(loaded.failure->err, EACCES);
	EXPECT_FALSE(loaded.skeleton);
	EXPECT_EQ(count_links_and_programs(), before);
	const auto unknown =
		bpf::load_exactly<ringbuf_probe_bpf>(NETTRACE_SKELETON_OPS(ringbuf_probe_bpf),
						     "ringbuf_probe", {"no_such_program"});
	ASSERT_TRUE(unknown.failure.has_value());
	EXPECT_EQ(unknown.failure->stage, bpf::AttachFailure::Stage::Open);
}

TEST_F(BpfLoaderTest, DestroyingTheSkeletonDetachesEverything)
{
	const auto before = count_links_and_programs();
	{
		bpf::Skeleton<ringbuf_probe_bpf> skel(NETTRACE_SKELETON_OPS(ringbuf_probe_bpf),
						      "ringbuf_probe");
		bpf_program__set_autoload(skel->progs.rejected, false);
		skel.load();
		skel.attach();
		const auto during = count_links_and_programs();
		// Before 5.15 a tracepoint program attaches through a perf event
		// that is no BPF link: the kernel then lists none.
		bpf_link_info info{};
		__u32 info_len = sizeof(info);
		const bool kernel_link =
			bpf_obj_get_info_by_fd(bpf_link__fd(skel->links.on_getppid), &info,
					       &info_len) == 0;
		EXPECT_EQ(during.first, before.first + (kernel_link ? 1 : 0));
		EXPECT_EQ(during.second, before.second + 1);
	}
	EXPECT_EQ(count_links_and_programs(), before);
}

TEST_F(BpfLoaderTest, UnprivilegedProcessIsToldWhichPrivilegesAreMissing)
{
	int pipe_fds[2];
	ASSERT_EQ(pipe(pipe_fds), 0);
	const pid_t child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		// Dropping to an ordinary user clears the effective capabilities.
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(3);
		std::string message;
		try {
			preflight::require_bpf_environment();
		} catch (const RuntimeError &e) {
			message = e.what();
		}
		(void)!write(pipe_fds[1], message.data(), message.size());
		_exit(0);
	}
	close(pipe_fds[1]);
	char buf[512] = {};
	const ssize_t n = read(pipe_fds[0], buf, sizeof(buf) - 1);
	close(pipe_fds[0]);
	int status = 0;
	waitpid(child, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(std::string(buf, n > 0 ? n : 0),
		  "needs root, or CAP_BPF and CAP_PERFMON (running as uid 65534 without "
		  "CAP_BPF and CAP_PERFMON)");
}

TEST_F(BpfLoaderTest, RootWithBtfPassesThePreflight)
{
	EXPECT_EQ(preflight::missing_privileges(), "");
	EXPECT_NO_THROW(preflight::require_bpf_environment());
}
