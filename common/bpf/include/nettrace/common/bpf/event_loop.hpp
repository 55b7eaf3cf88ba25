// SPDX-License-Identifier: MIT
// The one loop every plugin runs: ring-buffer records, interval ticks,
// SIGINT/SIGTERM/SIGHUP, "stop after N events / T seconds", and loss reporting,
// all on one epoll set so that nothing busy-waits; the rings are looked at
// on a timer only while records keep coming (bpf/nettrace/events.h).
#pragma once

#include <nettrace/common/bpf/ring_reader.hpp>
#include <nettrace/common/cli/command_line.hpp>
#include <nettrace/common/output/lost_events.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <linux/types.h>
#include <memory>
#include <string>
#include <vector>

namespace nettrace {

enum class StopReason { Signal, EventLimit, Duration, Requested, TickLimit };

struct StopAfter {
	std::uint64_t events = 0;             // 0: no limit
	std::chrono::nanoseconds duration{0}; // 0: no limit
	std::uint64_t ticks = 0;              // of every(); 0: no limit

	// What -c/--count counts: records, or intervals (every()'s ticks).
	enum class Count { Events, Ticks };
	// The command line's -c/--count and --duration, the one conversion.
	static StopAfter from(const RunLimits &limits, Count counted);
};

class EventLoop {
public:
	// Called once per record, with the record still in the ring buffer:
	// copy what must outlive the call.
	using RecordHandler = std::function<void(const void *data, std::size_t size)>;

	// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (they are read
	// through a signalfd and end run()) until the loop is destroyed.
	// Diagnostics ("N events lost") go to `diagnostics`, each line
	// prefixed with `prefix`.
	explicit EventLoop(std::string prefix, std::FILE *diagnostics = stderr);
	~EventLoop();
	EventLoop(const EventLoop &) = delete;
	EventLoop &operator=(const EventLoop &) = delete;

	// Every record of ring buffer map `map_fd` goes to `handler` and
	// counts as one event.
	void add_ring_buffer(int map_fd, RecordHandler handler);
	// A counter of records the BPF side could not send, read from mapped
	// memory: reported at most once a second while it grows, and at exit.
	// Each call adds a counter (one per BPF object), and their sum is
	// what is reported.
	void watch_lost_events(const volatile __u64 *counter);
	// Called with each new amount of lost events when the line on
	// diagnostics reports it (at most once a second, and at exit, once per
	// cause), so that a tool can say it in its output stream too.
	void on_lost_events(std::function<void(const LostEvents &)> fn);
	// Calls `tick` every `interval` (periodic output, as skbstat's).
	void every(std::chrono::nanoseconds interval, std::function<void()> tick);
	// Calls `fn` after each batch of records: the place to flush output.
	void after_batch(std::function<void()> fn);
	// Makes run() return StopReason::Requested after the current callback.
	void request_stop() { stop_requested_ = true; }

	StopReason run(const StopAfter &limits = {});

	std::uint64_t events_handled() const { return events_; }
	std::uint64_t events_lost() const;

private:
	struct Ring {
		std::unique_ptr<RingReader> reader;
		RecordHandler handler;
	};
	// Reads up to a batch from `ring`; true when records are left.
	bool consume(Ring &ring);
	void report_losses(bool final);
	std::uint64_t lost_in_kernel() const; // the sum of the watched counters
	void drain_rings();
	void count_unread();

	std::string prefix_;
	std::FILE *diagnostics_;
	int epoll_fd_ = -1;
	int signal_fd_ = -1;
	std::vector<std::unique_ptr<Ring>> rings_;
	std::vector<const volatile __u64 *> lost_counters_;
	std::uint64_t lost_reported_ = 0;
	std::function<void(const LostEvents &)> on_lost_;
	std::chrono::nanoseconds interval_{0};
	std::function<void()> tick_;
	std::function<void()> after_batch_;
	std::uint64_t events_ = 0;
	std::uint64_t event_limit_ = 0;
	bool stop_requested_ = false;
	bool limit_reached_ = false;
	// At exit, records the drain had no time to show are only counted:
	// they are reported as lost, never dropped silently.
	bool counting_only_ = false;
	std::uint64_t unread_at_exit_ = 0;
	static constexpr std::size_t batch_budget = 1024;
	sigset_t saved_sigmask_{};
};

} // namespace nettrace
