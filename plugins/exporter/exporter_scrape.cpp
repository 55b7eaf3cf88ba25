// SPDX-License-Identifier: MIT
#include "exporter_scrape.hpp"
#include "exporter_gzip.hpp"
#include "exporter_metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace nettrace::exporter {

namespace {

void write_series(Exposition &e, Metric m, const SeriesLabels &l, std::uint64_t value)
{
	const fmt::format_int netns(l.netns);
	e.sample(m,
		 {l.reason, l.location, protocol_label(l.l3, l.l4).text(),
		  std::string_view(netns.data(), netns.size()), l.netns_name, l.container,
		  l.interface, l.kind},
		 value);
}

// About the size of the series' text: room made for it at once, so that
// the first scrape of many new series does not copy megabytes each time
// the text outgrows its buffer, holding old and new copies at once.
std::size_t text_size_of(const std::vector<Series> &series)
{
	std::size_t size = 0;
	for (const Metric m : {Metric::Drops, Metric::DroppedBytes}) {
		const MetricInfo &info = metric_info(m);
		// Name, braces, each label's name, =, quotes and comma; the
		// number, a space and the newline.
		std::size_t fixed = info.name.size() + 2 + 24;
		for (const std::string_view label : info.labels)
			fixed += label.size() + 4;
		for (const Series &s : series) {
			const SeriesLabels &l = s.labels;
			size += fixed + l.reason.size() + l.location.size() + 20 +
				l.netns_name.size() + l.container.size() + l.interface.size() +
				l.kind.size() + 10;
		}
	}
	return size;
}

} // namespace

Scraper::Scraper(const DropProbe &probe, const DropReasons &reasons, LiveKernelSymbols &symbols,
		 BuildInfo build, Namespaces::Clock::duration stale_after,
		 HttpRefusalsReader refused, PointProbes *points)
    : probe_(probe), reader_(probe.map_fd()), namespaces_(stale_after),
      folder_(reasons, probe.reasons(), symbols, namespaces_), build_(std::move(build)),
      refused_(std::move(refused))
{
	if (points)
		points_.emplace(*points, namespaces_);
	text_pool_ = std::make_shared<TextPool>();
}

std::string Scraper::render(ExpositionFormat format, bool gzip)
{
	const auto start = std::chrono::steady_clock::now();
	const std::uint64_t series_dropped = probe_.series_dropped();
	const std::vector<CountedRow> &rows = reader_.read();
	netns_seen_.clear();
	for (const CountedRow &row : rows)
		netns_seen_.insert(row.key.netns);
	if (points_)
		points_->read(netns_seen_);
	namespaces_.refresh(netns_seen_, start);
	if (const std::vector<std::uint32_t> gone = namespaces_.stale(start); !gone.empty()) {
		series_removed_ += reader_.remove(gone);
		if (points_)
			series_removed_ += points_->remove(gone);
		for (const std::uint32_t netns : gone) {
			namespaces_.forget(netns);
			folder_.forget(netns);
		}
	}
	const auto &series = folder_.fold(rows);
	if (points_)
		points_->collect();
	const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;

	// Compressed, the text goes to zlib piece by piece; whole, it is
	// written into room made for all of it.
	if (gzip && !gzip_)
		gzip_.emplace(); // its window and tables kept from then on
	if (gzip)
		gzip_->start();
	Exposition e =
		gzip ? Exposition(format, 0, [this](std::string_view piece) { gzip_->add(piece); })
		     : Exposition(format);
	if (!gzip)
		e.reuse(text_pool_->take(),
			std::max(last_text_size_ + last_text_size_ / 8, text_size_of(series)));
	e.header(Metric::Drops);
	for (const Series &s : series)
		write_series(e, Metric::Drops, s.labels, s.packets);
	e.header(Metric::DroppedBytes);
	for (const Series &s : series)
		write_series(e, Metric::DroppedBytes, s.labels, s.bytes);
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
	const HttpRefusals refused = refused_();
	e.header(Metric::HttpConnectionsRefused);
	e.sample(Metric::HttpConnectionsRefused, {}, refused.connections);
	e.header(Metric::HttpPasswordChecksRefused);
	e.sample(Metric::HttpPasswordChecksRefused, {}, refused.password_checks);
	if (points_)
		points_->write_counts(e);
	e.finish();
	if (gzip)
		return gzip_->finish();
	last_text_size_ = e.text().size();
	return e.take();
}

std::shared_ptr<const std::string> Scraper::render_shared(ExpositionFormat format, bool gzip)
{
	Rendered &last = last_[format == ExpositionFormat::OpenMetrics ? 1 : 0][gzip ? 1 : 0];
	const auto now = std::chrono::steady_clock::now();
	if (last.text && now - last.at < shared_for)
		return last.text;
	// Texts too old to share are let go before the new one is written:
	// unless a connection is still sending one, its megabytes are freed
	// first rather than held beside the new text.
	for (Rendered(&by_format)[2] : last_)
		for (Rendered &old : by_format)
			if (old.text && now - old.at >= shared_for)
				old.text.reset();
	last.text = text_pool_->share(render(format, gzip));
	last.at = now;
	return last.text;
}

} // namespace nettrace::exporter
