// SPDX-License-Identifier: MIT
// What the exporter exports, described once: each metric's name, help,
// type and labels. The exposition writes its HELP and TYPE lines and its
// label names from this table, and --list-metrics prints it for the
// manual, so what is served and what is documented cannot drift apart.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace nettrace::exporter {

enum class Metric {
	Drops,
	DroppedBytes,
	SeriesDropped,
	SeriesRemoved,
	MapEntries,
	MapCapacity,
	Attached,
	BuildInfo,
	ScrapeDuration,
	HttpConnectionsRefused,
	HttpPasswordChecksRefused,
	PointPackets,
	PointSeriesDropped,
};

struct MetricInfo {
	Metric id;
	std::string_view name;
	std::string_view type; // "counter" or "gauge"
	std::vector<std::string_view> labels;
	std::string_view help;
};

const std::array<MetricInfo, 13> &metric_table();
const MetricInfo &metric_info(Metric m);

// The two formats served: Prometheus text 0.0.4, and OpenMetrics 1.0.0
// for a client whose Accept header prefers it (exporter_accept.hpp).
enum class ExpositionFormat { Text, OpenMetrics };

inline constexpr std::string_view exposition_content_type =
	"text/plain; version=0.0.4; charset=utf-8";
inline constexpr std::string_view openmetrics_content_type =
	"application/openmetrics-text; version=1.0.0; charset=utf-8";

std::string_view content_type(ExpositionFormat format);

// Where a scrape's text goes as it is written, in pieces of about
// Exposition::piece_size, when it is not kept whole (to a compressor).
using ExpositionSink = std::function<void(std::string_view piece)>;

// Writes one scrape's text. Each metric's samples follow its header;
// label values are given in the table's label order. In OpenMetrics a
// counter's family is named without "_total" (its samples keep it) and
// the text ends with "# EOF", which finish() writes.
class Exposition {
public:
	static constexpr std::size_t piece_size = 64 * 1024;

	// `expected_size`: room made at once, such as the last scrape's size,
	// so that a text of megabytes is not copied again each time it
	// outgrows its buffer. With a `sink`, the text is handed to it in
	// pieces and never held whole.
	explicit Exposition(ExpositionFormat format = ExpositionFormat::Text,
			    std::size_t expected_size = 0, ExpositionSink sink = {})
	    : format_(format), sink_(std::move(sink))
	{
		out_.reserve(sink_ ? piece_size + piece_size / 4 : expected_size);
	}
	// Writes into `buffer`'s memory instead of new memory (what it held
	// is dropped), with room for `expected_size`; before anything else.
	void reuse(std::string buffer, std::size_t expected_size)
	{
		out_ = std::move(buffer);
		out_.clear();
		out_.reserve(expected_size);
	}
	void header(Metric m);
	void sample(Metric m, std::initializer_list<std::string_view> label_values,
		    std::uint64_t value);
	void sample(Metric m, std::initializer_list<std::string_view> label_values, double value);
	// Ends the text: "# EOF" in OpenMetrics, nothing in text 0.0.4; the
	// rest of it goes to the sink.
	void finish();
	// The text so far (without a sink, all of it).
	std::string_view text() const { return out_; }
	// The text itself, moved out rather than copied: at 10,000 series it
	// is megabytes, and a second copy would double the scrape's peak.
	std::string take() { return std::move(out_); }

private:
	void labels(Metric m, std::initializer_list<std::string_view> values);
	void pass_on_full_piece();
	ExpositionFormat format_;
	ExpositionSink sink_;
	std::string out_;
};

// `value` as a label value in the exposition: \, " and newline escaped.
void append_label_value(std::string &out, std::string_view value);

// The table as --list-metrics prints it: one line per metric, tab
// separated: name, type, labels (comma separated), help.
void print_metric_table();

} // namespace nettrace::exporter
