// SPDX-License-Identifier: MIT
// Reading one interval's counts out of skbstat's BPF maps, and emptying
// them for the next, without losing increments in between.
#pragma once

#include "skbstat_probes.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace nettrace::skbstat {

struct StackRow {
	std::uint64_t count = 0;
	std::uint32_t reason = 0; // drops only
	// Drops only: NT_FREE_* as BPF reported it, until settle_drop_rows().
	std::uint8_t free_kind = NT_FREE_DROP;
	std::uint64_t location = 0;
	bool stack_recorded = true;
	std::vector<__u64> frames; // innermost first
};

struct IntervalCounts {
	std::array<std::uint64_t, SKBSTAT_POINT_COUNT> points{};
	std::vector<StackRow> drops;    // most frequent first
	std::vector<StackRow> consumes; // most frequent first
	std::uint64_t stacks_unrecorded = 0;
	std::uint64_t rows_not_counted = 0;
};

class IntervalReader {
public:
	explicit IntervalReader(CounterMaps maps);

	// Switches the BPF side to the other generation of counters, waits
	// until no program still counts into the old one, then reads and
	// clears it.
	IntervalCounts collect();

private:
	// Rows of generation `old`, with their stacks, into `out`.
	void read_rows(int rows_fd, unsigned old, std::vector<StackRow> &out);

	CounterMaps maps_;
	unsigned generation_ = 0;
	std::vector<__u64> per_cpu_;
	std::vector<__u64> zeros_;
};

} // namespace nettrace::skbstat
