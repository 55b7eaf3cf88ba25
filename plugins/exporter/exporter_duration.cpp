// SPDX-License-Identifier: MIT
#include "exporter_duration.hpp"

#include <nettrace/common/cli/option_values.hpp>
#include <nettrace/errors.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cstdint>

namespace nettrace::exporter {

std::chrono::seconds parse_duration(std::string_view option, std::string_view text)
{
	const auto refuse = [&] {
		return UsageError(fmt::format("{}: '{}' is not a duration such as 30s, 5m or 1h "
					      "(1s to {} seconds)",
					      option, text,
					      static_cast<std::uint64_t>(kMaxSeconds)));
	};
	std::uint64_t n = 0;
	const char *end = text.data() + text.size();
	const auto [unit, ec] = std::from_chars(text.data(), end, n);
	if (ec != std::errc() || unit == text.data() || unit + 1 != end)
		throw refuse();
	std::uint64_t scale = 0;
	switch (*unit) {
	case 's':
		scale = 1;
		break;
	case 'm':
		scale = 60;
		break;
	case 'h':
		scale = 3600;
		break;
	default:
		throw refuse();
	}
	if (n == 0 || n > static_cast<std::uint64_t>(kMaxSeconds) / scale)
		throw refuse();
	return std::chrono::seconds(static_cast<std::chrono::seconds::rep>(n * scale));
}

} // namespace nettrace::exporter
