// SPDX-License-Identifier: MIT
// skbstat's output per interval: the classic layout (TIME NUM FUNC/STACK,
// one block per section that has something to say) or one JSON object per
// interval.
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

// How rows are shown: as text or JSON, and with their stacks or, after
// --no-stack, by reason and site alone.
struct ReportStyle {
	bool json = false;
	bool stacks = true;
};

// When an interval began and ended: wall-clock times for the record, and
// its length from the monotonic clock, which no clock change moves, so a
// rate computed from the last, shorter interval is right.
struct IntervalTimes {
	std::int64_t start_ns = 0; // nanoseconds since the epoch
	std::int64_t end_ns = 0;
	std::int64_t length_ns = 0;
};

// Whether drop rows carry a reason: kernels before 5.17 pass none, and their
// rows' code 0 is no reason at all, so it is shown as "-" (JSON null).
enum class DropReasonsPassed { No, Yes };

class Reporter {
public:
	Reporter(OutputWriter &out, LiveKernelSymbols &symbols, const DropReasons &reasons,
		 DropReasonsPassed passed, Sections sections, ReportStyle style);
	void interval(IntervalCounts counts, const IntervalTimes &times);
	// Events an interval could not count: a record of their own in JSON,
	// after the interval's; nothing more in text, whose last section says it.
	void lost(const LostEvents &lost, std::int64_t wall_ns);

private:
	void text(const IntervalCounts &counts, std::int64_t wall_ns);
	void json(const IntervalCounts &counts, const IntervalTimes &times);
	void text_points(const IntervalCounts &counts, Section section, const char *title,
			 std::int64_t wall_ns);
	void text_stacks(const std::vector<StackRow> &rows, bool drops,
			 const IntervalCounts &counts, std::int64_t wall_ns);
	void text_reason_totals(const std::vector<StackRow> &rows, std::int64_t wall_ns);
	void header(const char *title, std::int64_t wall_ns);
	void frames(const StackRow &row, fmt::memory_buffer &into);
	FreeKind kind(const StackRow &row) const;

	OutputWriter &out_;
	FrameNames frames_;
	StackPrinter stacks_;
	const DropReasons &reasons_;
	bool reasons_passed_;
	Sections sections_;
	ReportStyle style_;
};

} // namespace nettrace::skbstat
