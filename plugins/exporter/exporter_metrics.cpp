// SPDX-License-Identifier: MIT
#include "exporter_metrics.hpp"

#include <fmt/ranges.h>

#include <cstdio>
#include <stdexcept>

namespace nettrace::exporter {

namespace {

const std::array<MetricInfo, 13> table = {{
	{Metric::Drops,
	 "nettrace_drops_total",
	 "counter",
	 {"reason", "location", "protocol", "netns", "netns_name", "container", "interface",
	  "kind"},
	 "Packets freed by skb:kfree_skb since the exporter started; kind=\"drop\" are "
	 "packets lost, other kinds are frees that lose no packet."},
	{Metric::DroppedBytes,
	 "nettrace_dropped_bytes_total",
	 "counter",
	 {"reason", "location", "protocol", "netns", "netns_name", "container", "interface",
	  "kind"},
	 "Bytes of the packets counted in nettrace_drops_total, from the network header on."},
	{Metric::SeriesDropped,
	 "nettrace_series_dropped_total",
	 "counter",
	 {},
	 "Drops not counted in any series because the counting map was full (--max-series)."},
	{Metric::SeriesRemoved,
	 "nettrace_series_removed_total",
	 "counter",
	 {},
	 "Rows deleted from the counting maps (drops, and probe points with --points) because "
	 "their network namespace was gone for --stale-after."},
	{Metric::MapEntries,
	 "nettrace_map_entries",
	 "gauge",
	 {},
	 "Rows in the kernel's counting map."},
	{Metric::MapCapacity,
	 "nettrace_map_capacity",
	 "gauge",
	 {},
	 "Rows the kernel's counting map can hold (--max-series)."},
	{Metric::Attached,
	 "nettrace_attached",
	 "gauge",
	 {"probe", "mechanism"},
	 "1 for each probe attached, with the mechanism that attached it."},
	{Metric::BuildInfo,
	 "nettrace_build_info",
	 "gauge",
	 {"version", "kernel"},
	 "Always 1: the nettrace version and the running kernel's release."},
	{Metric::ScrapeDuration,
	 "nettrace_scrape_duration_seconds",
	 "gauge",
	 {},
	 "Seconds this scrape took to read and label the counting map."},
	{Metric::HttpConnectionsRefused,
	 "nettrace_http_connections_refused_total",
	 "counter",
	 {},
	 "Connections closed unanswered as soon as they were accepted because 64 were open at "
	 "once."},
	{Metric::HttpPasswordChecksRefused,
	 "nettrace_http_password_checks_refused_total",
	 "counter",
	 {},
	 "Requests answered 503 without a password check because 4 checks were waiting or under "
	 "way."},
	{Metric::PointPackets,
	 "nettrace_point_packets_total",
	 "counter",
	 {"point", "netns", "netns_name", "interface"},
	 "Packets seen at each probe point --points asked for, since the exporter started."},
	{Metric::PointSeriesDropped,
	 "nettrace_point_series_dropped_total",
	 "counter",
	 {},
	 "Packets at probe points not counted in any series because the point map was full "
	 "(--max-series)."},
}};

void append_escaped(std::string &out, std::string_view text, bool quotes)
{
	// Most values need no escape: one append instead of a char at a time.
	// (A plain loop: find_first_of looks each char up in the set with a
	// memchr, the costliest step of a scrape's text.)
	bool plain = true;
	for (const char c : text)
		plain = plain && c != '\\' && c != '\n' && (c != '"' || !quotes);
	if (plain) {
		out.append(text);
		return;
	}
	for (const char c : text) {
		if (c == '\\')
			out.append("\\\\");
		else if (c == '\n')
			out.append("\\n");
		else if (c == '"' && quotes)
			out.append("\\\"");
		else
			out.push_back(c);
	}
}

} // namespace

const std::array<MetricInfo, 13> &metric_table()
{
	return table;
}

const MetricInfo &metric_info(Metric m)
{
	for (const MetricInfo &info : table)
		if (info.id == m)
			return info;
	throw std::logic_error("metric missing from the table");
}

void append_label_value(std::string &out, std::string_view value)
{
	append_escaped(out, value, true);
}

std::string_view content_type(ExpositionFormat format)
{
	return format == ExpositionFormat::OpenMetrics ? openmetrics_content_type
						       : exposition_content_type;
}

void Exposition::header(Metric m)
{
	const MetricInfo &info = metric_info(m);
	std::string_view family = info.name;
	const bool open_metrics = format_ == ExpositionFormat::OpenMetrics;
	// An OpenMetrics counter family is named without the suffix its
	// samples carry.
	if (open_metrics && info.type == "counter" && family.size() > 6 &&
	    family.substr(family.size() - 6) == "_total")
		family.remove_suffix(6);
	fmt::format_to(std::back_inserter(out_), "# HELP {} ", family);
	// OpenMetrics escapes a double quote in help text too; 0.0.4 does not.
	append_escaped(out_, info.help, open_metrics);
	fmt::format_to(std::back_inserter(out_), "\n# TYPE {} {}\n", family, info.type);
}

void Exposition::finish()
{
	if (format_ == ExpositionFormat::OpenMetrics)
		out_.append("# EOF\n");
	if (sink_) {
		sink_(out_);
		out_.clear();
	}
}

void Exposition::pass_on_full_piece()
{
	if (sink_ && out_.size() >= piece_size) {
		sink_(out_);
		out_.clear();
	}
}

void Exposition::labels(Metric m, std::initializer_list<std::string_view> values)
{
	const MetricInfo &info = metric_info(m);
	if (values.size() != info.labels.size())
		throw std::logic_error("label values do not match the metric table");
	out_.append(info.name);
	if (info.labels.empty())
		return;
	out_.push_back('{');
	std::size_t i = 0;
	for (const std::string_view value : values) {
		if (i)
			out_.push_back(',');
		out_.append(info.labels[i++]);
		out_.append("=\"");
		append_label_value(out_, value);
		out_.push_back('"');
	}
	out_.push_back('}');
}

void Exposition::sample(Metric m, std::initializer_list<std::string_view> label_values,
			std::uint64_t value)
{
	labels(m, label_values);
	// fmt::format_int writes into its own array: no formatting through an
	// iterator, 20,000 times a scrape.
	const fmt::format_int digits(value);
	out_.push_back(' ');
	out_.append(digits.data(), digits.size());
	out_.push_back('\n');
	pass_on_full_piece();
}

void Exposition::sample(Metric m, std::initializer_list<std::string_view> label_values,
			double value)
{
	labels(m, label_values);
	fmt::format_to(std::back_inserter(out_), " {}\n", value);
	pass_on_full_piece();
}

void print_metric_table()
{
	for (const MetricInfo &info : table)
		fmt::print("{}\t{}\t{}\t{}\n", info.name, info.type, fmt::join(info.labels, ","),
			   info.help);
}

} // namespace nettrace::exporter
