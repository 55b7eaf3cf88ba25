// SPDX-License-Identifier: MIT
#include <nettrace/common/output/clock.hpp>

#include <time.h>

namespace nettrace {

namespace {

std::int64_t ns_of(clockid_t clock)
{
	timespec ts{};
	clock_gettime(clock, &ts);
	return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// localtime_r is costly (it may consult the time zone each call); events
// come in bursts within one second, so the last second's result is kept.
struct SecondCache {
	time_t second = -1;
	std::tm tm{};
};

} // namespace

KernelClock::KernelClock()
{
	// Read realtime between two monotonic reads and take the midpoint, so
	// the offset is off by at most half the (tiny) gap between them.
	const std::int64_t mono_before = ns_of(CLOCK_MONOTONIC);
	const std::int64_t real = ns_of(CLOCK_REALTIME);
	const std::int64_t mono_after = ns_of(CLOCK_MONOTONIC);
	offset_ns_ = real - (mono_before + (mono_after - mono_before) / 2);
}

std::int64_t wall_clock_ns()
{
	return ns_of(CLOCK_REALTIME);
}

std::string local_hms(std::int64_t wall_ns)
{
	fmt::memory_buffer out;
	format_local_hms(out, wall_ns);
	return fmt::to_string(out);
}

void format_local_hms(fmt::memory_buffer &out, std::int64_t wall_ns)
{
	thread_local SecondCache cache;
	const time_t second = static_cast<time_t>(wall_ns / 1000000000);
	if (second != cache.second) {
		localtime_r(&second, &cache.tm);
		cache.second = second;
	}
	fmt::format_to(std::back_inserter(out), "{:02}:{:02}:{:02}", cache.tm.tm_hour,
		       cache.tm.tm_min, cache.tm.tm_sec);
}

void format_rfc3339(fmt::memory_buffer &out, std::int64_t wall_ns)
{
	const time_t second = static_cast<time_t>(wall_ns / 1000000000);
	std::tm tm{};
	gmtime_r(&second, &tm);
	fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
		       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		       tm.tm_sec, wall_ns % 1000000000);
}

} // namespace nettrace
