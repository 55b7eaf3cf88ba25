// SPDX-License-Identifier: MIT
#include "exporter_scrape.hpp"
#include "exporter_metrics.hpp"

#include <chrono>

namespace nettrace::exporter {

Scraper::Scraper(const DropProbe &probe, const DropReasons &reasons, LiveKernelSymbols &symbols,
		 BuildInfo build, PointProbes *points)
    : probe_(probe), reader_(probe.map_fd()), folder_(reasons, probe.reasons(), symbols),
      build_(std::move(build))
{
	if (points)
		points_.emplace(*points);
}

std::string Scraper::render()
{
	const auto start = std::chrono::steady_clock::now();
	const std::uint64_t series_dropped = probe_.series_dropped();
	const std::vector<CountedRow> &rows = reader_.read();
	const auto &series = folder_.fold(rows);
	if (points_)
		points_->collect();
	const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;

	Exposition e;
	e.header(Metric::Drops);
	for (const auto &[l, t] : series)
		e.sample(Metric::Drops,
			 {l.reason, l.location, l.protocol, std::to_string(l.netns), l.netns_name,
			  l.interface, l.kind},
			 t.packets);
	e.header(Metric::DroppedBytes);
	for (const auto &[l, t] : series)
		e.sample(Metric::DroppedBytes,
			 {l.reason, l.location, l.protocol, std::to_string(l.netns), l.netns_name,
			  l.interface, l.kind},
			 t.bytes);
	e.header(Metric::SeriesDropped);
	e.sample(Metric::SeriesDropped, {}, series_dropped);
	e.header(Metric::MapEntries);
	e.sample(Metric::MapEntries, {}, static_cast<std::uint64_t>(rows.size()));
	e.header(Metric::MapCapacity);
	e.sample(Metric::MapCapacity, {}, static_cast<std::uint64_t>(probe_.capacity()));
	e.header(Metric::Attached);
	e.sample(Metric::Attached, {"skb:kfree_skb", bpf::name(probe_.mechanism())},
		 std::uint64_t{1});
	if (points_)
		points_->write_attached(e);
	e.header(Metric::BuildInfo);
	e.sample(Metric::BuildInfo, {build_.version, build_.kernel}, std::uint64_t{1});
	e.header(Metric::ScrapeDuration);
	e.sample(Metric::ScrapeDuration, {}, took.count());
	if (points_)
		points_->write_counts(e);
	return std::string(e.text());
}

} // namespace nettrace::exporter
