// SPDX-License-Identifier: MIT
#include "sigkill_check.hpp"

#include "bpf_objects.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <thread>

namespace nettrace::test {

void expect_sigkill_leaves_nothing(TracerRun &run, const std::function<void()> &traffic,
				   const std::string &plugin)
{
	const BpfObjectIds held = bpf_objects_of(run.pid());
	// Each kind must be seen, or "none left" would prove nothing.
	EXPECT_FALSE(held.links.empty()) << describe(held);
	EXPECT_FALSE(held.progs.empty()) << describe(held);
	EXPECT_FALSE(held.maps.empty()) << describe(held);
	const BpfObjectIds listed = bpf_objects_listed(held);
	EXPECT_EQ(listed.links, held.links) << "bpftool does not list what the process holds";
	EXPECT_EQ(listed.progs, held.progs);
	EXPECT_EQ(listed.maps, held.maps);

	std::atomic<bool> storming{true};
	std::atomic<int> batches{0};
	std::thread storm([&] {
		while (storming) {
			traffic();
			++batches;
		}
	});
	while (batches < 3)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	const int pid = run.pid();
	kill(pid, SIGKILL);
	const ProcessResult r = run.finish();
	storming = false;
	storm.join();
	EXPECT_EQ(r.signal, SIGKILL) << r.err;

	const BpfObjectIds left = bpf_objects_still_listed(held);
	EXPECT_TRUE(left.empty()) << "still listed after SIGKILL: " << describe(left);
	EXPECT_EQ(kprobe_events_of(pid), std::vector<std::string>{});
	for (const std::string &word : {std::string("nettrace"), plugin})
		EXPECT_EQ(bpffs_files_named(word), std::vector<std::string>{}) << word;
}

} // namespace nettrace::test
