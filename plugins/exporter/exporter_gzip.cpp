// SPDX-License-Identifier: MIT
#include "exporter_gzip.hpp"

#include <nettrace/errors.hpp>

namespace nettrace::exporter {

namespace {

// 15 bits of window, plus 16: a gzip header and trailer, not zlib's.
constexpr int gzip_window_bits = 15 + 16;
constexpr int memory_level = 8; // zlib's default
// Room added to the output each time it fills.
constexpr std::size_t out_step = 64 * 1024;

} // namespace

GzipText::GzipText()
{
	if (deflateInit2(&stream_, Z_BEST_SPEED, Z_DEFLATED, gzip_window_bits, memory_level,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		throw RuntimeError("cannot start gzip compression: out of memory");
}

GzipText::~GzipText()
{
	deflateEnd(&stream_);
}

void GzipText::deflate_all(std::string_view text, int flush)
{
	stream_.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(text.data()));
	stream_.avail_in = static_cast<uInt>(text.size());
	for (;;) {
		const std::size_t used = out_.size() - stream_.avail_out;
		if (stream_.avail_out == 0) {
			out_.resize(out_.size() + out_step);
			stream_.avail_out = static_cast<uInt>(out_.size() - used);
		}
		stream_.next_out = reinterpret_cast<Bytef *>(out_.data() + used);
		const int rc = deflate(&stream_, flush);
		if (rc == Z_STREAM_END)
			return;
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			throw RuntimeError("gzip compression failed");
		// Done with this piece once all of it is in and zlib did not
		// stop for want of room.
		if (flush == Z_NO_FLUSH && stream_.avail_in == 0 && stream_.avail_out != 0)
			return;
	}
}

void GzipText::start()
{
	if (deflateReset(&stream_) != Z_OK)
		throw RuntimeError("gzip compression failed");
	out_.clear();
	stream_.avail_out = 0;
}

void GzipText::add(std::string_view text)
{
	deflate_all(text, Z_NO_FLUSH);
}

std::string GzipText::finish()
{
	deflate_all({}, Z_FINISH);
	out_.resize(out_.size() - stream_.avail_out);
	stream_.avail_out = 0;
	std::string text = std::move(out_);
	out_ = std::string();
	return text;
}

} // namespace nettrace::exporter
