// SPDX-License-Identifier: MIT
// BPF timestamps (bpf_ktime_get_ns: CLOCK_MONOTONIC) as wall-clock time, so
// that TIME says when a packet was dropped, not when it was printed.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <ctime>
#include <string>

namespace nettrace {

class KernelClock {
public:
	// Samples the offset between the two clocks once.
	KernelClock();
	// Nanoseconds since the Unix epoch for a bpf_ktime_get_ns() value.
	std::int64_t to_wall_ns(std::uint64_t ktime_ns) const
	{
		return static_cast<std::int64_t>(ktime_ns) + offset_ns_;
	}

private:
	std::int64_t offset_ns_;
};

// Now, in nanoseconds since the Unix epoch: for records that are not
// events (intervals, losses), stamped when they are written.
std::int64_t wall_clock_ns();
// "HH:MM:SS" in local time, as the classic tools print.
void format_local_hms(fmt::memory_buffer &out, std::int64_t wall_ns);
// The same as a string, for headers printed now and then.
std::string local_hms(std::int64_t wall_ns);
// RFC 3339 in UTC with nanoseconds: 2026-11-23T09:12:01.123456789Z.
void format_rfc3339(fmt::memory_buffer &out, std::int64_t wall_ns);

} // namespace nettrace
