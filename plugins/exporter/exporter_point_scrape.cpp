// SPDX-License-Identifier: MIT
#include "exporter_point_scrape.hpp"

#include <algorithm>
#include <string>
#include <tuple>

namespace nettrace::exporter {

void PointScrape::read(std::unordered_set<std::uint32_t> &netns)
{
	dropped_ = points_.series_dropped();
	for (const PointCount &row : points_.read())
		netns.insert(row.key.netns);
}

std::uint64_t PointScrape::remove(const std::vector<std::uint32_t> &gone)
{
	for (const std::uint32_t netns : gone)
		interface_names_.forget(netns);
	return points_.remove(gone);
}

void PointScrape::collect()
{
	// The rows read() read, in the points' display order, then by
	// namespace and device, so that scrapes list them alike.
	rows_ = points_.rows();
	std::sort(rows_.begin(), rows_.end(), [](const PointCount &a, const PointCount &b) {
		return std::tie(a.key.point, a.key.netns, a.key.ifindex) <
		       std::tie(b.key.point, b.key.netns, b.key.ifindex);
	});
	const auto &all = bpf::probe_points();
	series_.clear();
	for (const PointCount &row : rows_) {
		const exporter_point_key &k = row.key;
		if (k.point < all.size())
			series_.push_back({all[k.point].label, k.netns, namespaces_.name(k.netns),
					   interface_names_.name(k.netns, k.ifindex, namespaces_),
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
