// SPDX-License-Identifier: MIT
// The common event loop against a real BPF ring buffer: records produced by
// a tracepoint program on getppid() calls of this process.
#include "requirements.hpp"

#include "ringbuf_probe.skel.h"

#include <nettrace/common/bpf/event_loop.hpp>
#include <nettrace/common/bpf/skeleton.hpp>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace nettrace;

namespace {

struct ProbeEvent {
	std::uint64_t seq;
	std::uint32_t pid;
	std::uint32_t pad;
};

// The probe, loaded and attached for this process only.
struct Probe {
	bpf::Skeleton<ringbuf_probe_bpf> skel{NETTRACE_SKELETON_OPS(ringbuf_probe_bpf),
					      "ringbuf_probe"};

	explicit Probe(std::uint32_t ring_bytes = 0)
	{
		skel->rodata->target_tgid = static_cast<std::uint32_t>(getpid());
		bpf_program__set_autoload(skel->progs.rejected, false);
		if (ring_bytes)
			bpf_map__set_max_entries(skel->maps.events, ring_bytes);
		skel.load();
		skel.attach();
	}
	int ring_fd() const { return bpf_map__fd(skel->maps.events); }
	const volatile __u64 *lost() const { return &skel->bss->nettrace_lost_events; }
};

void make_events(int n)
{
	for (int i = 0; i < n; ++i)
		syscall(SYS_getppid); // not the libc wrapper: it must enter the kernel
}

// Collects what the loop writes as diagnostics.
struct CapturedStream {
	char *text = nullptr;
	size_t size = 0;
	std::FILE *file = open_memstream(&text, &size);
	~CapturedStream() { std::free(text); }
	std::string str()
	{
		std::fflush(file);
		return std::string(text, size);
	}
};

} // namespace

class EventLoopTest : public ::testing::Test {
protected:
	void SetUp() override { NETTRACE_REQUIRE_BPF(); }
};

TEST_F(EventLoopTest, DeliversEveryRecordInOrderAndStopsAfterN)
{
	Probe probe;
	make_events(1000);
	EventLoop loop("test");
	std::vector<std::uint64_t> seen;
	loop.add_ring_buffer(probe.ring_fd(), [&](const void *data, std::size_t size) {
		ASSERT_EQ(size, sizeof(ProbeEvent));
		seen.push_back(static_cast<const ProbeEvent *>(data)->seq);
	});
	loop.watch_lost_events(probe.lost());
	EXPECT_EQ(loop.run({.events = 1000}), StopReason::EventLimit);
	ASSERT_EQ(seen.size(), 1000u);
	for (std::uint64_t i = 0; i < seen.size(); ++i)
		ASSERT_EQ(seen[i], i);
	EXPECT_EQ(loop.events_lost(), 0u);
}

TEST_F(EventLoopTest, EventLimitStopsExactlyAtN)
{
	Probe probe;
	make_events(100);
	EventLoop loop("test");
	int handled = 0;
	loop.add_ring_buffer(probe.ring_fd(), [&](const void *, std::size_t) { ++handled; });
	EXPECT_EQ(loop.run({.events = 10}), StopReason::EventLimit);
	EXPECT_EQ(handled, 10);
	EXPECT_EQ(loop.events_handled(), 10u);
}

TEST_F(EventLoopTest, DurationStopsAndDrainsWhatAlreadyHappened)
{
	Probe probe;
	make_events(50);
	EventLoop loop("test");
	int handled = 0;
	loop.add_ring_buffer(probe.ring_fd(), [&](const void *, std::size_t) { ++handled; });
	EXPECT_EQ(loop.run({.duration = std::chrono::milliseconds(200)}), StopReason::Duration);
	EXPECT_EQ(handled, 50);
}

TEST_F(EventLoopTest, SigintAndSigtermStopTheLoop)
{
	for (int sig : {SIGINT, SIGTERM}) {
		Probe probe;
		EventLoop loop("test");
		int handled = 0;
		loop.add_ring_buffer(probe.ring_fd(),
				     [&](const void *, std::size_t) { ++handled; });
		make_events(5);
		// Blocked by the loop, so it stays pending until run() reads it.
		ASSERT_EQ(kill(getpid(), sig), 0);
		EXPECT_EQ(loop.run(), StopReason::Signal) << "signal " << sig;
		EXPECT_EQ(handled, 5);
	}
}

TEST_F(EventLoopTest, IntervalTicksUntilStopRequested)
{
	EventLoop loop("test");
	int ticks = 0;
	loop.every(std::chrono::milliseconds(10), [&] {
		if (++ticks == 3)
			loop.request_stop();
	});
	EXPECT_EQ(loop.run({.duration = std::chrono::seconds(30)}), StopReason::Requested);
	EXPECT_EQ(ticks, 3);
}

TEST_F(EventLoopTest, EveryRecordIsEitherDeliveredOrCountedLost)
{
	// A one-page ring holds about 170 records; the rest must be counted.
	Probe probe(4096);
	const int generated = 5000;
	make_events(generated);
	CapturedStream diag;
	EventLoop loop("nettrace test", diag.file);
	int handled = 0;
	loop.add_ring_buffer(probe.ring_fd(), [&](const void *, std::size_t) { ++handled; });
	loop.watch_lost_events(probe.lost());
	std::vector<LostEvents> reported;
	loop.on_lost_events([&](const LostEvents &l) { reported.push_back(l); });
	EXPECT_EQ(loop.run({.duration = std::chrono::milliseconds(100)}), StopReason::Duration);
	const std::uint64_t lost = loop.events_lost();
	EXPECT_GT(handled, 0);
	EXPECT_GT(lost, 0u);
	EXPECT_EQ(handled + lost, static_cast<std::uint64_t>(generated));
	EXPECT_EQ(diag.str(), "nettrace test: " + std::to_string(lost) +
				      " events lost in total (ring buffer full)\n");
	// What the output stream is told: the same losses, once.
	ASSERT_EQ(reported.size(), 1u);
	EXPECT_EQ(reported[0].cause, LossCause::RingBufferFull);
	EXPECT_EQ(reported[0].events, lost);
	EXPECT_EQ(reported[0].total, lost);
}

TEST_F(EventLoopTest, LossesAreToldOncePerCheckWhileTheyGrowAndAddUp)
{
	// Losses while running, a second apart: each check tells only what is
	// new, and the amounts add up to the total.
	Probe probe(4096);
	CapturedStream diag;
	EventLoop loop("nettrace test", diag.file);
	int handled = 0;
	loop.add_ring_buffer(probe.ring_fd(), [&](const void *, std::size_t) { ++handled; });
	loop.watch_lost_events(probe.lost());
	std::vector<LostEvents> reported;
	loop.on_lost_events([&](const LostEvents &l) { reported.push_back(l); });
	// Each burst is made between two looks at the ring: from a tick, the
	// loop's own thread, so none is read before the burst ends.
	int bursts = 0;
	loop.every(std::chrono::milliseconds(1500), [&] {
		if (++bursts <= 2)
			make_events(2000);
		else
			loop.request_stop();
	});
	loop.run({.duration = std::chrono::seconds(10)});
	const std::uint64_t lost = loop.events_lost();
	EXPECT_EQ(handled + lost, 4000u);
	ASSERT_GE(reported.size(), 2u);
	std::uint64_t sum = 0;
	for (const LostEvents &l : reported) {
		EXPECT_EQ(l.cause, LossCause::RingBufferFull);
		EXPECT_GT(l.events, 0u);
		sum += l.events;
		EXPECT_EQ(l.total, sum);
	}
	EXPECT_EQ(sum, lost);
}

TEST_F(EventLoopTest, RecordsTheExitDrainHasNoTimeToShowAreCountedLost)
{
	// A slow consumer: the drain at exit shows what it can in its second,
	// and what is left is counted, not forgotten.
	Probe probe;
	const int generated = 5000;
	make_events(generated);
	CapturedStream diag;
	EventLoop loop("nettrace test", diag.file);
	int handled = 0;
	loop.add_ring_buffer(probe.ring_fd(), [&](const void *, std::size_t) {
		++handled;
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	});
	loop.watch_lost_events(probe.lost());
	std::vector<LostEvents> reported;
	loop.on_lost_events([&](const LostEvents &l) { reported.push_back(l); });
	EXPECT_EQ(loop.run({.duration = std::chrono::milliseconds(10)}), StopReason::Duration);
	const std::uint64_t unread = loop.events_lost();
	EXPECT_GT(unread, 0u);
	EXPECT_EQ(handled + unread, static_cast<std::uint64_t>(generated));
	EXPECT_EQ(diag.str(), fmt::format("nettrace test: {} events lost in total (0 ring buffer "
					  "full, {} left unread at exit)\n",
					  unread, unread));
	ASSERT_EQ(reported.size(), 1u);
	EXPECT_EQ(reported[0].cause, LossCause::UnreadAtExit);
	EXPECT_EQ(reported[0].events, unread);
	EXPECT_EQ(reported[0].total, unread);
}

TEST_F(EventLoopTest, RecordsWrappingTheRingEndArriveWhole)
{
	// 24-byte records in a one-page ring: every 171st record starts 16
	// bytes before the end and wraps. Reading in rounds of 100 keeps
	// records from being lost while the ring wraps over and over.
	Probe probe(4096);
	EventLoop loop("test");
	std::uint64_t expected = 0;
	bool whole = true;
	loop.add_ring_buffer(probe.ring_fd(), [&](const void *data, std::size_t size) {
		const auto &e = *static_cast<const ProbeEvent *>(data);
		whole = whole && size == sizeof(ProbeEvent) && e.seq == expected &&
			e.pid == static_cast<std::uint32_t>(getpid()) && e.pad == 0;
		++expected;
	});
	for (int round = 1; round <= 50; ++round) {
		make_events(100);
		ASSERT_EQ(loop.run({.events = 100u * static_cast<unsigned>(round)}),
			  StopReason::EventLimit);
	}
	EXPECT_TRUE(whole) << "a record was torn, reordered or from elsewhere, near seq "
			   << expected;
	EXPECT_EQ(expected, 5000u);
	EXPECT_EQ(*probe.lost(), 0u);
}

// The BPF side wakes the reader only now and then (bpf/nettrace/events.h);
// these two show that no record waits for the end of the run. Each ends
// the run from the handler of the record it waits for: were that record
// stuck, the run would end by its 30 s duration instead.
TEST_F(EventLoopTest, ALoneRecordAfterAQuietSpellArrivesWhileRunning)
{
	Probe probe;
	EventLoop loop("test");
	loop.add_ring_buffer(probe.ring_fd(),
			     [&](const void *, std::size_t) { loop.request_stop(); });
	std::thread late([] {
		std::this_thread::sleep_for(std::chrono::milliseconds(300));
		make_events(1);
	});
	const StopReason reason = loop.run({.duration = std::chrono::seconds(30)});
	late.join();
	EXPECT_EQ(reason, StopReason::Requested);
}

TEST_F(EventLoopTest, TheLastRecordsOfABurstArriveWhileRunning)
{
	Probe probe;
	EventLoop loop("test");
	const std::uint64_t burst = 3000;
	loop.add_ring_buffer(probe.ring_fd(), [&](const void *data, std::size_t) {
		if (static_cast<const ProbeEvent *>(data)->seq == burst - 1)
			loop.request_stop();
	});
	std::thread producer([&] {
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
		make_events(static_cast<int>(burst));
	});
	const StopReason reason = loop.run({.duration = std::chrono::seconds(30)});
	producer.join();
	EXPECT_EQ(reason, StopReason::Requested);
	EXPECT_EQ(loop.events_handled(), burst);
}

TEST_F(EventLoopTest, StopsAfterTheTicksAskedFor)
{
	EventLoop loop("test");
	int ticks = 0;
	loop.every(std::chrono::milliseconds(5), [&] { ++ticks; });
	EXPECT_EQ(loop.run({.duration = std::chrono::seconds(30), .ticks = 3}),
		  StopReason::TickLimit);
	EXPECT_EQ(ticks, 3);
}
