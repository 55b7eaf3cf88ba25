// SPDX-License-Identifier: MIT
#include "exporter_scrape.hpp"
#include "exporter_metrics.hpp"

#include <chrono>

namespace nettrace::exporter {

Scraper::Scraper(const DropProbe &probe, const DropReasons &reasons, LiveKernelSymbols &symbols,
		 BuildInfo build, Namespaces::Clock::duration stale_after, PointProbes *points)
    : probe_(probe), reader_(probe.map_fd()), namespaces_(stale_after),
      folder_(reasons, probe.reasons(), symbols, namespaces_), build_(std::move(build))
{
	if (points)
		points_.emplace(*points);
}

std::string Scraper::render(ExpositionFormat format)
{
	const auto start = std::chrono::steady_clock::now();
	const std::uint64_t series_dropped = probe_.series_dropped();
	const std::vector<CountedRow> &rows = reader_.read();
	netns_seen_.clear();
	for (const CountedRow &row : rows)
		netns_seen_.insert(row.key.netns);
	namespaces_.refresh(netns_seen_, start);
	if (const std::vector<std::uint32_t> gone = namespaces_.stale(start); !gone.empty()) {
		series_removed_ += reader_.remove(gone);
		for (const std::uint32_t netns : gone) {
			namespaces_.forget(netns);
			folder_.forget(netns);
		}
	}
	const auto &series = folder_.fold(rows);
	if (points_)
		points_->collect();
	const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;

	Exposition e(format, last_text_size_ + last_text_size_ / 8);
	e.header(Metric::Drops);
	for (const auto &[l, t] : series)
		e.sample(Metric::Drops,
			 {l.reason, l.location, l.protocol, std::to_string(l.netns), l.netns_name,
			  l.container, l.interface, l.kind},
			 t.packets);
	e.header(Metric::DroppedBytes);
	for (const auto &[l, t] : series)
		e.sample(Metric::DroppedBytes,
			 {l.reason, l.location, l.protocol, std::to_string(l.netns), l.netns_name,
			  l.container, l.interface, l.kind},
			 t.bytes);
	e.header(Metric::SeriesDropped);
	e.sample(Metric::SeriesDropped, {}, series_dropped);
	e.header(Metric::SeriesRemoved);
	e.sample(Metric::SeriesRemoved, {}, series_removed_);
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
	e.finish();
	last_text_size_ = e.text().size();
	return std::string(e.text());
}

std::shared_ptr<const std::string> Scraper::render_shared(ExpositionFormat format)
{
	Rendered &last = last_[format == ExpositionFormat::OpenMetrics ? 1 : 0];
	const auto now = std::chrono::steady_clock::now();
	if (!last.text || now - last.at >= shared_for) {
		last.text = std::make_shared<const std::string>(render(format));
		last.at = now;
	}
	return last.text;
}

} // namespace nettrace::exporter
