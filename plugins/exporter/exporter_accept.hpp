// SPDX-License-Identifier: MIT
// Content negotiation for GET /metrics: which exposition format a
// request's Accept header prefers, by its media ranges and q-values, and
// whether its Accept-Encoding takes gzip.
#pragma once

#include "exporter_metrics.hpp"

#include <string_view>

namespace nettrace::exporter {

// OpenMetrics when the header names application/openmetrics-text (with
// no version, 1.0.0 or 0.0.1) at a quality above 0 and at least that of
// text/plain (given as such, as text/* or as */*); text 0.0.4 otherwise,
// also for no header or one that cannot be read: every Prometheus reads
// it.
ExpositionFormat negotiate_format(std::string_view accept);

// Whether a request's Accept-Encoding header takes gzip: named (as
// "gzip" or "x-gzip") at a quality above 0, or, when not named, covered
// by "*" at a quality above 0. Without the header, only the text as it
// is (RFC 9110, 12.5.3).
bool accepts_gzip(std::string_view accept_encoding);

} // namespace nettrace::exporter
