// SPDX-License-Identifier: MIT
#include "exporter_accept.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

namespace nettrace::exporter {

namespace {

std::string_view trim(std::string_view s)
{
	while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
		s.remove_prefix(1);
	while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
		s.remove_suffix(1);
	return s;
}

std::string lower(std::string_view s)
{
	std::string out(s);
	std::transform(out.begin(), out.end(), out.begin(),
		       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
	return out;
}

// One media range of the header: its type, version parameter and quality.
struct MediaRange {
	std::string type;
	std::string version; // empty when not given
	double quality = 1;
};

MediaRange parse_range(std::string_view text)
{
	MediaRange r;
	std::size_t semi = text.find(';');
	r.type = lower(trim(text.substr(0, semi)));
	while (semi != std::string_view::npos) {
		text.remove_prefix(semi + 1);
		semi = text.find(';');
		const std::string_view param = trim(text.substr(0, semi));
		const std::size_t eq = param.find('=');
		if (eq == std::string_view::npos)
			continue;
		const std::string name = lower(trim(param.substr(0, eq)));
		std::string value(trim(param.substr(eq + 1)));
		if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
			value = value.substr(1, value.size() - 2);
		if (name == "q") {
			char *end = nullptr;
			const double q = std::strtod(value.c_str(), &end);
			// A q-value that does not read is taken as 0: not wanted.
			r.quality = end && *end == '\0' && q >= 0 && q <= 1 ? q : 0;
		} else if (name == "version") {
			r.version = value;
		}
	}
	return r;
}

// How specifically a range names a type: 3 exactly, 2 by its top-level
// type ("text/*"), 1 by "*/*", 0 not at all. The most specific range
// that matches gives the quality (RFC 9110, 12.5.1).
int specificity(const MediaRange &r, std::string_view type)
{
	if (r.type == type)
		return 3;
	const std::size_t slash = type.find('/');
	if (r.type.size() == slash + 2 &&
	    r.type.compare(0, slash + 1, type.substr(0, slash + 1)) == 0 && r.type.back() == '*')
		return 2;
	return r.type == "*/*" ? 1 : 0;
}

} // namespace

ExpositionFormat negotiate_format(std::string_view accept)
{
	constexpr std::string_view openmetrics = "application/openmetrics-text";
	constexpr std::string_view text = "text/plain";
	double openmetrics_q = 0, text_q = 0;
	int openmetrics_rank = 0, text_rank = 0;
	while (!accept.empty()) {
		const std::size_t comma = accept.find(',');
		const MediaRange r = parse_range(accept.substr(0, comma));
		accept.remove_prefix(comma == std::string_view::npos ? accept.size() : comma + 1);
		// Only OpenMetrics named outright counts for it: "*/*" alone
		// keeps the format every scraper reads. A version it is not
		// served in does not count.
		if (r.type == openmetrics &&
		    (r.version.empty() || r.version == "1.0.0" || r.version == "0.0.1") &&
		    (openmetrics_rank == 0 || r.quality > openmetrics_q)) {
			openmetrics_q = r.quality;
			openmetrics_rank = 3;
		}
		const int rank = specificity(r, text);
		// Among ranges for text/plain, the most specific decides; one
		// naming a version other than 0.0.4 is not this format.
		if (rank > text_rank && (rank < 3 || r.version.empty() || r.version == "0.0.4")) {
			text_q = r.quality;
			text_rank = rank;
		} else if (rank == text_rank && rank > 0) {
			text_q = std::max(text_q, r.quality);
		}
	}
	return openmetrics_rank && openmetrics_q > 0 && openmetrics_q >= text_q
		       ? ExpositionFormat::OpenMetrics
		       : ExpositionFormat::Text;
}

bool accepts_gzip(std::string_view accept_encoding)
{
	bool named = false, gzip = false, any = false;
	while (!accept_encoding.empty()) {
		const std::size_t comma = accept_encoding.find(',');
		// A coding reads as a media range does: a token and its q.
		const MediaRange r = parse_range(accept_encoding.substr(0, comma));
		accept_encoding.remove_prefix(
			comma == std::string_view::npos ? accept_encoding.size() : comma + 1);
		if (r.type == "gzip" || r.type == "x-gzip") {
			named = true;
			gzip = gzip || r.quality > 0;
		} else if (r.type == "*") {
			any = r.quality > 0;
		}
	}
	return named ? gzip : any;
}

} // namespace nettrace::exporter
