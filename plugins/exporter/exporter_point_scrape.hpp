// SPDX-License-Identifier: MIT
// The --points part of a scrape: the point map read and written as
// nettrace_point_packets_total, one series per point, namespace and
// device, with what attached each point in nettrace_attached.
#pragma once

#include "exporter_metrics.hpp"
#include "exporter_names.hpp"
#include "exporter_points.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace nettrace::exporter {

class PointScrape {
public:
	// `points` must outlive this.
	explicit PointScrape(PointProbes &points) : points_(points) {}
	// Reads the point map, labelled, for write_counts().
	void collect();
	// The point series collect() read and the map-full count, headers
	// included.
	void write_counts(Exposition &e) const;
	// One nettrace_attached sample per point attached; its header is
	// the caller's.
	void write_attached(Exposition &e) const;

private:
	PointProbes &points_;
	NetnsNames netns_names_;
	InterfaceNames interface_names_;
	struct Series {
		const char *point;
		std::uint32_t netns;
		std::string_view netns_name;
		std::string_view interface;
		std::uint64_t packets;
	};
	std::vector<Series> series_;
	std::uint64_t dropped_ = 0;
};

} // namespace nettrace::exporter
