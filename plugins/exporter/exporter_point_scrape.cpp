// SPDX-License-Identifier: MIT
#include "exporter_point_scrape.hpp"

#include <algorithm>
#include <string>
#include <tuple>

namespace nettrace::exporter {

void PointScrape::collect()
{
	dropped_ = points_.series_dropped();
	std::vector<PointCount> rows = points_.read();
	// In the points' display order, then by namespace and device, so
	// that scrapes list them alike.
	std::sort(rows.begin(), rows.end(), [](const PointCount &a, const PointCount &b) {
		return std::tie(a.key.point, a.key.netns, a.key.ifindex) <
		       std::tie(b.key.point, b.key.netns, b.key.ifindex);
	});
	netns_names_.refresh();
	const auto &all = bpf::probe_points();
	series_.clear();
	for (const PointCount &row : rows) {
		const exporter_point_key &k = row.key;
		if (k.point < all.size())
			series_.push_back({all[k.point].label, k.netns, netns_names_.name(k.netns),
					   interface_names_.name(k.netns, k.ifindex, netns_names_),
					   row.packets});
	}
}

void PointScrape::write_counts(Exposition &e) const
{
	e.header(Metric::PointPackets);
	for (const Series &s : series_)
		e.sample(Metric::PointPackets,
			 {s.point, std::to_string(s.netns), s.netns_name, s.interface}, s.packets);
	e.header(Metric::PointSeriesDropped);
	e.sample(Metric::PointSeriesDropped, {}, dropped_);
}

void PointScrape::write_attached(Exposition &e) const
{
	for (const PointStatus &s : points_.statuses())
		if (s.attached)
			e.sample(Metric::Attached, {s.point->label, bpf::name(*s.attached)},
				 std::uint64_t{1});
}

} // namespace nettrace::exporter
