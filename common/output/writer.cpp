// SPDX-License-Identifier: MIT
#include <nettrace/common/output/writer.hpp>

#include <nettrace/errors.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <unistd.h>

namespace nettrace {

namespace {

constexpr auto flush_delay = std::chrono::milliseconds(100);

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

void OutputWriter::flush()
{
	const char *p = buf_.data();
	std::size_t left = buf_.size();
	while (left > 0 && !closed_) {
		const ssize_t n = write(fd_, p, left);
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
