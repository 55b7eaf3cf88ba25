// SPDX-License-Identifier: MIT
// --listen ADDR:PORT: where the exporter serves its metrics.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace nettrace::exporter {

// A port no well-known Prometheus exporter uses by default.
inline constexpr std::uint16_t default_port = 9850;
inline constexpr std::string_view default_listen = "127.0.0.1:9850";

struct ListenAddress {
	std::string address; // numeric: "127.0.0.1", "::1", "0.0.0.0"
	std::uint16_t port = default_port;
	// As --listen spells it: "127.0.0.1:9850", "[::1]:9850".
	std::string text() const;
};

// Accepts IPV4:PORT, [IPV6]:PORT and :PORT (every IPv4 address). Port 0
// asks the kernel for a free one. Names are refused: resolving one
// would make where the exporter listens depend on DNS. Throws UsageError.
ListenAddress parse_listen(std::string_view text);

} // namespace nettrace::exporter
