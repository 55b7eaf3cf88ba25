// SPDX-License-Identifier: MIT
// One scrape: the counting map read, the rows of namespaces gone for
// --stale-after deleted, the rest folded into series and written in the
// exposition format with the exporter's own metrics. Runs on the
// server's thread only; the counting itself never waits for it.
#pragma once

#include "exporter_counts.hpp"
#include "exporter_gzip.hpp"
#include "exporter_metrics.hpp"
#include "exporter_point_scrape.hpp"
#include "exporter_probe.hpp"
#include "exporter_series.hpp"
#include "exporter_text_pool.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>

namespace nettrace::exporter {

struct BuildInfo {
	std::string version; // nettrace's
	std::string kernel;  // uname -r
};

// What the HTTP server turned away, read at each scrape (on the server's
// thread, as the scrape is).
struct HttpRefusals {
	std::uint64_t connections = 0;     // HttpServer::refused
	std::uint64_t password_checks = 0; // HttpServer::password_checks_refused
};
using HttpRefusalsReader = std::function<HttpRefusals()>;

class Scraper {
public:
	// Everything given must outlive the scraper; `points` is nothing
	// without --points.
	Scraper(const DropProbe &probe, const DropReasons &reasons, LiveKernelSymbols &symbols,
		BuildInfo build, Namespaces::Clock::duration stale_after,
		HttpRefusalsReader refused, PointProbes *points = nullptr);
	// The exposition text of this moment, in `format`; gzip-compressed
	// as it is written with `gzip`, so that it is never held whole.
	std::string render(ExpositionFormat format = ExpositionFormat::Text, bool gzip = false);
	// The same, but a scrape in `format` and encoding that comes within
	// `shared_for` of the last one rendered gets that one's text:
	// scrapers asking at the same moment share one reading and one copy
	// of the text.
	std::shared_ptr<const std::string> render_shared(ExpositionFormat format, bool gzip);
	static constexpr std::chrono::milliseconds shared_for{250};

private:
	const DropProbe &probe_;
	CountReader reader_;
	Namespaces namespaces_;
	SeriesFolder folder_;
	BuildInfo build_;
	HttpRefusalsReader refused_;
	std::size_t last_text_size_ = 0;
	struct Rendered {
		std::shared_ptr<const std::string> text;
		std::chrono::steady_clock::time_point at;
	};
	Rendered last_[2][2];                          // by ExpositionFormat, then gzip or not
	std::unordered_set<std::uint32_t> netns_seen_; // this scrape's, kept for its buffer
	std::uint64_t series_removed_ = 0;
	std::optional<PointScrape> points_;
	// Shared with the texts handed out, which give their buffers back.
	std::shared_ptr<TextPool> text_pool_;
	std::optional<GzipText> gzip_; // from the first scrape that takes gzip
};

} // namespace nettrace::exporter
