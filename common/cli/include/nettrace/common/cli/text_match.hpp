// SPDX-License-Identifier: MIT
// Matching what a user typed: case-insensitive equality, and "Did you
// mean ...?" for commands, reason names and options.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace nettrace {

// ASCII only: names here are kernel identifiers and protocol names.
inline bool equals_ignoring_case(std::string_view a, std::string_view b)
{
	auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
	return a.size() == b.size() &&
	       std::equal(a.begin(), a.end(), b.begin(),
			  [&](char x, char y) { return lower(x) == lower(y); });
}

// Levenshtein distance, case-insensitive, with an adjacent swap counted as
// one edit ("tcpdorp" is one edit from "tcpdrop").
inline std::size_t edit_distance(std::string_view a, std::string_view b)
{
	auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
	const std::size_t n = a.size(), m = b.size();
	std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
	for (std::size_t j = 0; j <= m; ++j)
		prev[j] = j;
	for (std::size_t i = 1; i <= n; ++i) {
		cur[0] = i;
		for (std::size_t j = 1; j <= m; ++j) {
			const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
			cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
			if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
			    lower(a[i - 2]) == lower(b[j - 1]))
				cur[j] = std::min(cur[j], prev2[j - 2] + 1);
		}
		std::swap(prev2, prev);
		std::swap(prev, cur);
	}
	return prev[m];
}

// How many edits still make a plausible typo of a word of `length`
// characters: a third of it, at least 1, at most 3.
inline std::size_t typo_limit(std::size_t length)
{
	return std::clamp<std::size_t>(length / 3, 1, 3);
}

// The candidates closest to any of `spellings` of one word (as typed, and
// without a prefix the user may add or leave out), best first, at most
// `max_results`, and only those at most `limit` edits away. `Candidate` is
// std::string or std::string_view; the views returned are
// `candidates`' own.
template <typename Candidate>
std::vector<Candidate> closest_matches(std::initializer_list<std::string_view> spellings,
				       const std::vector<Candidate> &candidates,
				       std::size_t max_results, std::size_t limit)
{
	std::vector<std::pair<std::size_t, const Candidate *>> scored;
	for (const auto &c : candidates) {
		std::size_t d = std::string_view::npos;
		for (const std::string_view spelling : spellings)
			d = std::min(d, edit_distance(spelling, c));
		if (d <= limit)
			scored.emplace_back(d, &c);
	}
	std::stable_sort(scored.begin(), scored.end(),
			 [](const auto &x, const auto &y) { return x.first < y.first; });
	std::vector<Candidate> out;
	for (std::size_t i = 0; i < scored.size() && i < max_results; ++i)
		out.push_back(*scored[i].second);
	return out;
}

// The candidates closest to `word`, best first, at most `max_results`, and
// only those close enough to be a plausible typo (typo_limit()).
inline std::vector<std::string> closest_matches(std::string_view word,
						const std::vector<std::string> &candidates,
						std::size_t max_results = 3)
{
	return closest_matches({word}, candidates, max_results, typo_limit(word.size()));
}

// The candidates that begin with `typed` (case-insensitive), in their
// order: what "tcp" or "TCP" may be short for. One character is too
// little to go on, and a candidate equal to `typed` was not what failed.
template <typename Candidate>
std::vector<Candidate> prefix_matches(std::string_view typed,
				      const std::vector<Candidate> &candidates)
{
	std::vector<Candidate> out;
	if (typed.size() < 2)
		return out;
	for (const auto &c : candidates) {
		const std::string_view name = c;
		if (name.size() > typed.size() &&
		    equals_ignoring_case(name.substr(0, typed.size()), typed))
			out.push_back(c);
	}
	return out;
}

// What a user may have meant by `typed` among `candidates`: those it is
// the beginning of, else those it is a plausible typo of (closest first).
// At most `max_close` typos are offered; every name it begins is.
inline std::vector<std::string> suggestions(std::string_view typed,
					    const std::vector<std::string> &candidates,
					    std::size_t max_close = 3)
{
	std::vector<std::string> out = prefix_matches(typed, candidates);
	return out.empty() ? closest_matches(typed, candidates, max_close) : out;
}

// The end every "unknown name" message shares: "; did you mean a?",
// "; did you mean a or b?", or for many that begin alike "; did you mean
// one of TCP_* (34 names)?". Empty for no names. Names are written as
// they would be typed, without quotes.
std::string did_you_mean(const std::vector<std::string> &names);
std::string did_you_mean(const std::vector<std::string_view> &names);

// " (see 'nettrace tcpdrop -h')": where an option or command mistake
// points, `command` being what -h follows ("nettrace tcpdrop").
std::string see_help(std::string_view command);

} // namespace nettrace
