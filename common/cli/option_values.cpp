// SPDX-License-Identifier: MIT
#include <nettrace/common/cli/option_values.hpp>
#include <nettrace/common/cli/text.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

namespace po = boost::program_options;

namespace nettrace {

namespace {

// Boost's own parse would take "-1" for a count (wrapping it to 2^64-1)
// and "inf" or "nan" for seconds; these parse the text themselves.
template <typename T, T (*Parse)(std::string_view)>
class CheckedValue : public po::typed_value<T> {
public:
	explicit CheckedValue(T *store_to) : po::typed_value<T>(store_to) {}
	void xparse(boost::any &value_store, const std::vector<std::string> &tokens) const override
	{
		// Boost's own parse refuses a second -c here; so must this.
		po::validators::check_first_occurrence(value_store);
		value_store = Parse(tokens.empty() ? std::string_view() : tokens.back());
	}
};

} // namespace

BadOptionValue::BadOptionValue(std::string problem)
    : po::error_with_option_name("%canonical_option%: " + problem), problem_(std::move(problem))
{
}

std::uint64_t parse_count(std::string_view text)
{
	std::uint64_t value = 0;
	const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
	if (ec == std::errc::result_out_of_range && is_decimal(text))
		throw BadOptionValue(fmt::format("{} is too large (at most {})", quoted_value(text),
						 std::numeric_limits<std::uint64_t>::max()));
	if (!is_decimal(text) || ec != std::errc() || end != text.data() + text.size() ||
	    value == 0)
		throw BadOptionValue(fmt::format("{} is not a whole number from 1, such as 10",
						 quoted_value(text)));
	return value;
}

double parse_seconds(std::string_view text)
{
	double value = 0;
	const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
	// from_chars reads "inf" and "nan" too, and says out of range for
	// 1e999 and 1e-999, which are numbers all the same.
	const bool whole_text =
		ec != std::errc::invalid_argument && end == text.data() + text.size();
	if (!whole_text || (ec == std::errc() && !std::isfinite(value)))
		throw BadOptionValue(fmt::format("{} is not a number of seconds, such as 2 or 0.5",
						 quoted_value(text)));
	if (ec != std::errc() || !(value >= kMinSeconds && value <= kMaxSeconds))
		throw BadOptionValue(fmt::format("{} is out of range: seconds from {} to {:.0f}",
						 quoted_value(text), kMinSeconds, kMaxSeconds));
	return value;
}

po::typed_value<std::uint64_t> *count_value(std::uint64_t *store_to)
{
	return new CheckedValue<std::uint64_t, parse_count>(store_to);
}

po::typed_value<double> *seconds_value(double *store_to)
{
	return new CheckedValue<double, parse_seconds>(store_to);
}

} // namespace nettrace
