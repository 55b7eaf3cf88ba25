// SPDX-License-Identifier: MIT
#include <nettrace/common/bpf/event_loop.hpp>

#include <nettrace/errors.hpp>
#include <nettrace/events.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fmt/format.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <utility>

namespace nettrace {

namespace {

// While records keep coming, the BPF side wakes the reader only now and
// then (events.h): look at the rings this often without being woken.
constexpr int ring_look_interval_ms = static_cast<int>(NETTRACE_WAKEUP_INTERVAL_NS / 1000000);

// epoll tags: which kind of descriptor became ready.
enum Tag : std::uint64_t { TagSignal = 1, TagDuration, TagInterval, TagLossCheck, TagRing };

void add_fd(int epoll_fd, int fd, std::uint64_t tag)
{
	epoll_event ev{};
	ev.events = EPOLLIN;
	ev.data.u64 = tag;
	if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
		throw RuntimeError(fmt::format("epoll_ctl: {}", std::strerror(errno)));
}

// A timerfd firing after `first` and then every `period` (0: once).
int make_timer(std::chrono::nanoseconds first, std::chrono::nanoseconds period)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0)
		throw RuntimeError(fmt::format("timerfd_create: {}", std::strerror(errno)));
	auto to_ts = [](std::chrono::nanoseconds ns) {
		timespec ts{};
		ts.tv_sec = static_cast<time_t>(ns.count() / 1000000000);
		ts.tv_nsec = static_cast<long>(ns.count() % 1000000000);
		return ts;
	};
	itimerspec spec{};
	spec.it_value = to_ts(first);
	spec.it_interval = to_ts(period);
	timerfd_settime(fd, 0, &spec, nullptr);
	return fd;
}

std::uint64_t read_expirations(int fd)
{
	std::uint64_t n = 0;
	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

// Closes the timers a run() created, however it ends.
struct OwnedFds {
	std::vector<int> fds;
	~OwnedFds()
	{
		for (int fd : fds)
			close(fd);
	}
};

} // namespace

EventLoop::EventLoop(std::string prefix, std::FILE *diagnostics)
    : prefix_(std::move(prefix)), diagnostics_(diagnostics)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	// A hang-up (the ssh session of `nettrace tcpdrop > file` dropping)
	// ends the run as SIGINT does, with what is buffered written out.
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, &saved_sigmask_);
	signal_fd_ = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
	if (signal_fd_ < 0 || epoll_fd_ < 0)
		throw RuntimeError(
			fmt::format("cannot set up the event loop: {}", std::strerror(errno)));
	add_fd(epoll_fd_, signal_fd_, TagSignal);
}

EventLoop::~EventLoop()
{
	close(epoll_fd_);
	close(signal_fd_);
	pthread_sigmask(SIG_SETMASK, &saved_sigmask_, nullptr);
}

void EventLoop::add_ring_buffer(int map_fd, RecordHandler handler)
{
	auto ring = std::make_unique<Ring>(
		Ring{std::make_unique<RingReader>(map_fd), std::move(handler)});
	add_fd(epoll_fd_, ring->reader->fd(), TagRing + rings_.size());
	rings_.push_back(std::move(ring));
}

void EventLoop::watch_lost_events(const volatile __u64 *counter)
{
	// Whatever it already counted was lost by this run too: the first
	// report includes it, so that the reports add up to the total.
	lost_counters_.push_back(counter);
	lost_reported_ = 0;
}

std::uint64_t EventLoop::lost_in_kernel() const
{
	std::uint64_t total = 0;
	for (const volatile __u64 *counter : lost_counters_)
		total += *counter;
	return total;
}

void EventLoop::on_lost_events(std::function<void(const LostEvents &)> fn)
{
	on_lost_ = std::move(fn);
}

void EventLoop::every(std::chrono::nanoseconds interval, std::function<void()> tick)
{
	interval_ = interval;
	tick_ = std::move(tick);
}

void EventLoop::after_batch(std::function<void()> fn)
{
	after_batch_ = std::move(fn);
}

std::uint64_t EventLoop::events_lost() const
{
	return lost_in_kernel() + unread_at_exit_;
}

bool EventLoop::consume(Ring &ring)
{
	// A storm refills the ring as fast as it drains: go back to epoll
	// after a batch, so that signals and timers are seen.
	const std::size_t handled =
		ring.reader->read(batch_budget, [&](const void *data, std::size_t size) {
			if (counting_only_) {
				++unread_at_exit_;
				return true;
			}
			ring.handler(data, size);
			++events_;
			if (event_limit_ && events_ >= event_limit_)
				limit_reached_ = true;
			return !limit_reached_ && !stop_requested_;
		});
	return handled == batch_budget && !limit_reached_ && !stop_requested_;
}

void EventLoop::drain_rings()
{
	// What was in the rings when the run stopped happened before the stop;
	// bounded in time, as a storm refills them as fast as they drain.
	const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
	for (auto &r : rings_)
		while (!limit_reached_ && !stop_requested_ && consume(*r) &&
		       std::chrono::steady_clock::now() < deadline) {
		}
	if (!limit_reached_ && !stop_requested_)
		count_unread();
}

void EventLoop::count_unread()
{
	// Counting is cheap next to showing, so what is left goes in well under
	// the second; the bound only matters when a storm keeps refilling.
	counting_only_ = true;
	const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
	for (auto &r : rings_)
		while (consume(*r) && std::chrono::steady_clock::now() < deadline) {
		}
	counting_only_ = false;
}

void EventLoop::report_losses(bool final)
{
	if (lost_counters_.empty() && unread_at_exit_ == 0)
		return;
	const std::uint64_t total = lost_in_kernel();
	const char *ring_full = loss_cause_text(LossCause::RingBufferFull);
	if (final) {
		if (unread_at_exit_ > 0)
			fmt::print(diagnostics_, "{}: {} events lost in total ({} {}, {} {})\n",
				   prefix_, total + unread_at_exit_, total, ring_full,
				   unread_at_exit_, loss_cause_text(LossCause::UnreadAtExit));
		else if (total > 0)
			fmt::print(diagnostics_, "{}: {} events lost in total ({})\n", prefix_,
				   total, ring_full);
	} else if (total > lost_reported_) {
		fmt::print(diagnostics_, "{}: {} events lost ({})\n", prefix_,
			   total - lost_reported_, ring_full);
	}
	std::fflush(diagnostics_);
	if (on_lost_ && total > lost_reported_)
		on_lost_({LossCause::RingBufferFull, total - lost_reported_, total});
	if (on_lost_ && final && unread_at_exit_ > 0)
		on_lost_({LossCause::UnreadAtExit, unread_at_exit_, total + unread_at_exit_});
	lost_reported_ = total;
}

StopAfter StopAfter::from(const RunLimits &limits, Count counted)
{
	StopAfter after{.duration = limits.duration()};
	(counted == Count::Events ? after.events : after.ticks) = limits.count;
	return after;
}

StopReason EventLoop::run(const StopAfter &limits)
{
	OwnedFds timers;
	event_limit_ = limits.events;
	limit_reached_ = false;
	stop_requested_ = false;
	if (limits.duration.count() > 0) {
		timers.fds.push_back(make_timer(limits.duration, {}));
		add_fd(epoll_fd_, timers.fds.back(), TagDuration);
	}
	int interval_fd = -1;
	if (tick_ && interval_.count() > 0) {
		interval_fd = make_timer(interval_, interval_);
		timers.fds.push_back(interval_fd);
		add_fd(epoll_fd_, interval_fd, TagInterval);
	}
	int loss_fd = -1;
	if (!lost_counters_.empty()) {
		loss_fd = make_timer(std::chrono::seconds(1), std::chrono::seconds(1));
		timers.fds.push_back(loss_fd);
		add_fd(epoll_fd_, loss_fd, TagLossCheck);
	}

	StopReason reason = StopReason::Requested;
	bool running = true;
	std::uint64_t ticks = 0;
	// A record handler may ask to stop (event limit, closed output).
	const auto stop_if_asked = [&] {
		if (limit_reached_ || stop_requested_) {
			reason = limit_reached_ ? StopReason::EventLimit : StopReason::Requested;
			running = false;
		}
	};
	// Without a wakeup: records kept coming at the last look (look again
	// after the interval), or a batch left some behind (look at once).
	bool records_flowing = false;
	bool records_left = false;
	epoll_event ready[8];
	while (running) {
		const int timeout = records_left ? 0 : records_flowing ? ring_look_interval_ms : -1;
		const int n = epoll_wait(epoll_fd_, ready, 8, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			throw RuntimeError(fmt::format("epoll_wait: {}", std::strerror(errno)));
		}
		const std::uint64_t handled_before = events_;
		records_left = false;
		for (int i = 0; i < n && running; ++i) {
			const std::uint64_t tag = ready[i].data.u64;
			if (tag >= TagRing) {
				records_left |= consume(*rings_[tag - TagRing]);
			} else if (tag == TagSignal) {
				signalfd_siginfo si;
				while (read(signal_fd_, &si, sizeof(si)) == sizeof(si)) {
				}
				reason = StopReason::Signal;
				running = false;
			} else if (tag == TagDuration) {
				reason = StopReason::Duration;
				running = false;
			} else if (tag == TagInterval) {
				if (read_expirations(interval_fd) > 0) {
					tick_();
					if (limits.ticks && ++ticks >= limits.ticks &&
					    !stop_requested_) {
						reason = StopReason::TickLimit;
						running = false;
					}
				}
			} else if (tag == TagLossCheck) {
				read_expirations(loss_fd);
				report_losses(false);
			}
			stop_if_asked();
		}
		for (std::size_t i = 0; n == 0 && running && i < rings_.size(); ++i) {
			records_left |= consume(*rings_[i]);
			stop_if_asked();
		}
		records_flowing = events_ != handled_before;
		if (after_batch_)
			after_batch_();
	}
	// Records already in the ring happened before the stop: show them,
	// unless the user asked for exactly N.
	if (reason == StopReason::Signal || reason == StopReason::Duration) {
		drain_rings();
		if (after_batch_)
			after_batch_();
	}
	for (int fd : timers.fds)
		epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
	report_losses(true);
	return reason;
}

} // namespace nettrace
