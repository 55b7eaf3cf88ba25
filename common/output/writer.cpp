// SPDX-License-Identifier: MIT
#include <nettrace/common/output/writer.hpp>

#include <nettrace/errors.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <poll.h>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace nettrace {

namespace {

constexpr auto flush_delay = std::chrono::milliseconds(100);

// How much of `left` bytes at `p` to write to a pipe whose reader may stop:
// after poll says there is room, a pipe takes PIPE_BUF bytes without
// blocking, and more could block past the deadline. Whole lines where one
// fits, so that if the reader stops for good, what it got ends at the end
// of a line (a JSON record whole) rather than inside one.
std::size_t whole_lines_within_pipe_buf(const char *p, std::size_t left)
{
	if (left <= PIPE_BUF)
		return left;
	const std::size_t last_newline = std::string_view(p, PIPE_BUF).rfind('\n');
	return last_newline == std::string_view::npos ? PIPE_BUF : last_newline + 1;
}

} // namespace

OutputWriter::OutputWriter(int fd)
    : fd_(fd), terminal_(isatty(fd)), last_flush_(std::chrono::steady_clock::now())
{
	// A closed pipe (`| head`) is a normal way to stop: see it as EPIPE
	// instead of dying by SIGPIPE with BPF programs still being torn down.
	std::signal(SIGPIPE, SIG_IGN);
}

void OutputWriter::batch_done()
{
	if (terminal_ || buf_.size() >= flush_bytes ||
	    std::chrono::steady_clock::now() - last_flush_ >= flush_delay)
		flush();
}

void OutputWriter::give_up_after(std::chrono::nanoseconds duration)
{
	// Only a pipe or a socket has a reader that can stop taking output; a
	// file or a terminal is written as before, without a poll per chunk.
	struct stat st {};
	if (fstat(fd_, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return;
	if (duration.count() > 0)
		deadline_ = std::chrono::steady_clock::now() + duration + std::chrono::seconds(1);
}

bool OutputWriter::wait_for_room()
{
	for (;;) {
		const auto left = std::chrono::ceil<std::chrono::milliseconds>(
			*deadline_ - std::chrono::steady_clock::now());
		pollfd p{fd_, POLLOUT, 0};
		const int n =
			poll(&p, 1,
			     static_cast<int>(std::clamp<long long>(left.count(), 0, INT_MAX)));
		if (n > 0)
			return true; // room, or an error the write will name
		if (n == 0)
			return false;
		if (errno != EINTR)
			return true;
	}
}

void OutputWriter::flush()
{
	const char *p = buf_.data();
	std::size_t left = buf_.size();
	while (left > 0 && !closed_) {
		if (deadline_ && !wait_for_room()) {
			closed_ = true;
			write_error_ = "its reader stopped taking it, and the run is over "
				       "(--duration and one second more)";
			break;
		}
		const ssize_t n =
			write(fd_, p, deadline_ ? whole_lines_within_pipe_buf(p, left) : left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			closed_ = true;
			if (errno != EPIPE)
				write_error_ = std::strerror(errno);
			break;
		}
		p += n;
		left -= static_cast<std::size_t>(n);
	}
	buf_.clear();
	last_flush_ = std::chrono::steady_clock::now();
}

void OutputWriter::finish()
{
	flush();
	if (!write_error_.empty())
		throw RuntimeError("cannot write the output: " + write_error_);
}

} // namespace nettrace
