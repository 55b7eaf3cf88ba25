// SPDX-License-Identifier: MIT
// skbstat's output per interval: the classic layout (TIME NUM FUNC/STACK,
// one block per section) or one JSON object per interval.
#pragma once

#include "skbstat_counts.hpp"

#include <nettrace/common/kernel/drop_reasons.hpp>
#include <nettrace/common/kernel/free_kind.hpp>
#include <nettrace/common/kernel/live_symbols.hpp>
#include <nettrace/common/output/lost_events.hpp>
#include <nettrace/common/output/stack_frames.hpp>
#include <nettrace/common/output/stack_printer.hpp>
#include <nettrace/common/output/writer.hpp>

#include <cstdint>

namespace nettrace::skbstat {

struct Sections {
	bool ingress = false;
	bool egress = false;
	bool consume = false;
	bool drop = true;
};

// Whether drop rows carry a reason: kernels before 5.17 pass none, and their
// rows' code 0 is no reason at all, so it is shown as "-" (JSON null).
enum class DropReasonsPassed { No, Yes };

class Reporter {
public:
	Reporter(OutputWriter &out, LiveKernelSymbols &symbols, const DropReasons &reasons,
		 DropReasonsPassed passed, Sections sections, bool json);
	// One interval, ended at `wall_ns` (nanoseconds since the epoch).
	void interval(const IntervalCounts &counts, std::int64_t wall_ns);
	// Events an interval could not count: a record of their own in JSON,
	// after the interval's; nothing more in text, whose last section says it.
	void lost(const LostEvents &lost, std::int64_t wall_ns);

private:
	void text(const IntervalCounts &counts, std::int64_t wall_ns);
	void json(const IntervalCounts &counts, std::int64_t wall_ns);
	void text_points(const IntervalCounts &counts, Section section, const char *title,
			 std::int64_t wall_ns);
	void text_stacks(const std::vector<StackRow> &rows, bool drops,
			 const IntervalCounts &counts, std::int64_t wall_ns);
	void header(const char *title, std::int64_t wall_ns);
	void frames(const StackRow &row, fmt::memory_buffer &into);
	FreeKind kind(const StackRow &row) const;

	OutputWriter &out_;
	FrameNames frames_;
	StackPrinter stacks_;
	const DropReasons &reasons_;
	bool reasons_passed_;
	Sections sections_;
	bool json_;
};

} // namespace nettrace::skbstat
