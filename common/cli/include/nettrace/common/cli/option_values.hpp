// SPDX-License-Identifier: MIT
// Numbers on the command line, checked as they are parsed: a value that is
// no number of the right kind, or out of range, fails there, so that the
// error names the option as typed and the form the value takes.
#pragma once

#include <boost/program_options/errors.hpp>
#include <boost/program_options/value_semantic.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace nettrace {

// Seconds a command accepts for a duration or an interval: below a
// millisecond a loop would only spin or round to "no limit"; far above a
// year the nanoseconds overflow.
inline constexpr double kMinSeconds = 0.001;
inline constexpr double kMaxSeconds = 1e8;

// A value its option refuses. `problem` reads after "OPTION: ", e.g.
// "'1s' is not a number of seconds, such as 2 or 0.5".
class BadOptionValue : public boost::program_options::error_with_option_name {
public:
	explicit BadOptionValue(std::string problem);
	const std::string &problem() const noexcept { return problem_; }

private:
	std::string problem_;
};

// A whole number from 1: "-c N". No sign, no spaces, no junk after it.
// Throws BadOptionValue.
std::uint64_t parse_count(std::string_view text);
// A decimal number of seconds from kMinSeconds to kMaxSeconds ("2",
// "0.5", "1e3"); not nan or inf. Throws BadOptionValue.
double parse_seconds(std::string_view text);

// Option values that parse with the functions above, for
// options_description::add_options().
boost::program_options::typed_value<std::uint64_t> *count_value(std::uint64_t *store_to);
boost::program_options::typed_value<double> *seconds_value(double *store_to);

} // namespace nettrace
