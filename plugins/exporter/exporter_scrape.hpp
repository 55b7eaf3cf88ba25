// SPDX-License-Identifier: MIT
// One scrape: the counting map read, folded into series and written in
// the exposition format with the exporter's own metrics. Runs on the
// server's thread only; the counting itself never waits for it.
#pragma once

#include "exporter_counts.hpp"
#include "exporter_point_scrape.hpp"
#include "exporter_probe.hpp"
#include "exporter_series.hpp"

#include <optional>
#include <string>

namespace nettrace::exporter {

struct BuildInfo {
	std::string version; // nettrace's
	std::string kernel;  // uname -r
};

class Scraper {
public:
	// Everything given must outlive the scraper; `points` is nothing
	// without --points.
	Scraper(const DropProbe &probe, const DropReasons &reasons, LiveKernelSymbols &symbols,
		BuildInfo build, PointProbes *points = nullptr);
	// The exposition text of this moment.
	std::string render();

private:
	const DropProbe &probe_;
	CountReader reader_;
	SeriesFolder folder_;
	BuildInfo build_;
	std::optional<PointScrape> points_;
};

} // namespace nettrace::exporter
