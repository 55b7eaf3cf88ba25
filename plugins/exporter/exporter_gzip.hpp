// SPDX-License-Identifier: MIT
// A scrape's text compressed as it is written, for scrapers that accept
// gzip (Prometheus does): the 3.7 MB text of 10,000 series leaves as a
// few hundred kilobytes, and only those are held until every connection
// answered with them has sent them. zlib, at its fastest level: a scrape
// is compressed once and shared, and its cost is the exporter's.
#pragma once

#include <string>
#include <string_view>

#include <zlib.h>

namespace nettrace::exporter {

class GzipText {
public:
	GzipText();
	~GzipText();
	GzipText(const GzipText &) = delete;
	GzipText &operator=(const GzipText &) = delete;

	// Begins a text, dropping whatever an earlier one left unfinished;
	// zlib's window and tables are kept from text to text.
	void start();
	// More of the text.
	void add(std::string_view text);
	// The gzip member of everything added since start().
	std::string finish();

private:
	void deflate_all(std::string_view text, int flush);

	z_stream stream_{};
	std::string out_;
};

} // namespace nettrace::exporter
