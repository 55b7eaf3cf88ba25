// SPDX-License-Identifier: MIT
// Buffered standard output for reporters: events are formatted into one
// growing buffer and written in few syscalls. On a terminal every batch is
// shown at once; into a pipe or file, writes are grouped up to a size or a
// short delay, so a script reading the output still sees it promptly.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

namespace nettrace {

class OutputWriter {
public:
	explicit OutputWriter(int fd = 1);

	fmt::memory_buffer &buffer() { return buf_; }
	// After each event: a batch can hold a whole ring buffer's worth of
	// events, so the buffer is written out whenever it is full, keeping
	// memory bounded however large a batch is.
	void event_done()
	{
		if (buf_.size() >= flush_bytes)
			flush();
	}
	// After a batch of events: write out if the policy says so.
	void batch_done();
	// Write everything now (at exit, at the end of an interval).
	void flush();
	// For a run of `duration` (0: no limit) from now: a reader that stops
	// taking the output must not hold the run past its end, so from then
	// on each write waits for room only until the duration and the one
	// second of draining after it have passed. Then the rest is dropped,
	// and finish() says so.
	void give_up_after(std::chrono::nanoseconds duration);
	// At the end of a run: flush, and throw RuntimeError if any write
	// failed, so that a full disk is an error, not a short file.
	void finish();
	// True once output cannot go on: the reader went away (EPIPE, a normal
	// way to stop) or a write failed (write_error() says why).
	bool closed() const { return closed_; }
	// Empty, or what made a write fail other than a closed pipe (ENOSPC...).
	const std::string &write_error() const { return write_error_; }

	static constexpr std::size_t flush_bytes = 64 * 1024;

private:
	int fd_;
	bool terminal_;
	bool closed_ = false;
	std::string write_error_;
	fmt::memory_buffer buf_;
	std::chrono::steady_clock::time_point last_flush_;
	std::optional<std::chrono::steady_clock::time_point> deadline_;

	// Until the deadline, whether the output can take a write now.
	bool wait_for_room();
};

} // namespace nettrace
