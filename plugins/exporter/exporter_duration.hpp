// SPDX-License-Identifier: MIT
// --stale-after's value: a whole number with its unit, as Prometheus
// writes durations.
#pragma once

#include <chrono>
#include <string_view>

namespace nettrace::exporter {

// "30s", "5m", "1h": seconds, minutes or hours, from 1s to 1e8 seconds.
// Throws UsageError naming `option` and the value otherwise.
std::chrono::seconds parse_duration(std::string_view option, std::string_view text);

} // namespace nettrace::exporter
