// SPDX-License-Identifier: MIT
// The --points part of a scrape: the point map read and written as
// nettrace_point_packets_total, one series per point, namespace and
// device, with what attached each point in nettrace_attached.
#pragma once

#include "exporter_metrics.hpp"
#include "exporter_names.hpp"
#include "exporter_namespaces.hpp"
#include "exporter_points.hpp"

#include <cstdint>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace nettrace::exporter {

class PointScrape {
public:
	// `points` and `namespaces` (the drops' table, which names the
	// namespaces and finds their devices) must outlive this.
	PointScrape(PointProbes &points, Namespaces &namespaces)
	    : points_(points), namespaces_(namespaces)
	{
	}
	// Reads the point map; adds the namespaces its rows count in to
	// `netns`, for the scrape's Namespaces::refresh().
	void read(std::unordered_set<std::uint32_t> &netns);
	// Deletes the rows of namespaces that are gone from the map; returns
	// how many were deleted.
	std::uint64_t remove(const std::vector<std::uint32_t> &gone);
	// Labels what read() gave, for write_counts(), once the namespaces
	// are refreshed.
	void collect();
	// The point series collect() read and the map-full count, headers
	// included.
	void write_counts(Exposition &e) const;
	// One nettrace_attached sample per point attached; its header is
	// the caller's.
	void write_attached(Exposition &e) const;

private:
	PointProbes &points_;
	Namespaces &namespaces_;
	InterfaceNames interface_names_;
	struct Series {
		const char *point;
		std::uint32_t netns;
		std::string_view netns_name;
		std::string_view interface;
		std::uint64_t packets;
	};
	std::vector<PointCount> rows_; // sorted, buffer kept between scrapes
	std::vector<Series> series_;
	std::uint64_t dropped_ = 0;
};

} // namespace nettrace::exporter
