// SPDX-License-Identifier: MIT
#include "skbstat_report.hpp"
#include "skbstat_rows.hpp"

#include <nettrace/common/output/append.hpp>
#include <nettrace/common/output/clock.hpp>
#include <nettrace/common/output/json_line.hpp>

#include <algorithm>
#include <utility>

namespace nettrace::skbstat {

namespace {

struct ReasonTotal {
	std::uint32_t reason;
	FreeKind kind;
	std::uint64_t count;
};

// The drops of an interval per reason, the highest count first: the view
// dropwatch users know, above the rows of each stack and site. Frees that
// lose no packet are totalled apart from real drops of the same reason.
template <typename KindOf>
std::vector<ReasonTotal> reason_totals(const std::vector<StackRow> &rows, KindOf kind_of)
{
	std::vector<ReasonTotal> totals;
	for (const StackRow &row : rows) {
		const FreeKind kind = kind_of(row);
		auto found = std::find_if(totals.begin(), totals.end(), [&](const ReasonTotal &t) {
			return t.reason == row.reason && t.kind == kind;
		});
		if (found == totals.end())
			totals.push_back({row.reason, kind, row.count});
		else
			found->count += row.count;
	}
	std::stable_sort(totals.begin(), totals.end(),
			 [](const ReasonTotal &a, const ReasonTotal &b) {
				 return a.count > b.count;
			 });
	return totals;
}

bool any_point(const IntervalCounts &counts, Section section)
{
	for (const ProbePoint &p : probe_points())
		if (p.section == section && counts.points[p.id])
			return true;
	return false;
}

// Seconds to the microsecond: a length, not a clock reading.
double seconds(std::int64_t ns)
{
	return static_cast<double>((ns + 500) / 1000) / 1e6;
}

} // namespace

Reporter::Reporter(OutputWriter &out, LiveKernelSymbols &symbols, const DropReasons &reasons,
		   DropReasonsPassed passed, Sections sections, ReportStyle style)
    : out_(out), frames_(symbols), stacks_(frames_, "                "), reasons_(reasons),
      reasons_passed_(passed == DropReasonsPassed::Yes), sections_(sections), style_(style)
{
}

void Reporter::interval(IntervalCounts counts, const IntervalTimes &times)
{
	settle_drop_rows(counts.drops, frames_.symbols().table());
	if (style_.json)
		json(counts, times);
	else
		text(counts, times.end_ns);
	out_.flush();
}

void Reporter::lost(const LostEvents &lost, std::int64_t wall_ns)
{
	if (!style_.json)
		return;
	append_lost_record(out_.buffer(), lost, wall_ns);
	out_.flush();
}

void Reporter::header(const char *title, std::int64_t wall_ns)
{
	fmt::memory_buffer &out = out_.buffer();
	out.append(std::string_view("TIME     NUM    FUNC/STACK\n"));
	format_local_hms(out, wall_ns);
	append(out, "        [{}]\n", title);
}

// Sections with nothing to report are left out: on an idle host an
// interval prints nothing, rather than a screenful of empty headers.
void Reporter::text(const IntervalCounts &counts, std::int64_t wall_ns)
{
	if (sections_.ingress && any_point(counts, Section::Ingress))
		text_points(counts, Section::Ingress, "INGRESS", wall_ns);
	if (sections_.egress && any_point(counts, Section::Egress))
		text_points(counts, Section::Egress, "EGRESS", wall_ns);
	if (sections_.consume)
		text_stacks(counts.consumes, false, counts, wall_ns);
	if (sections_.drop)
		text_stacks(counts.drops, true, counts, wall_ns);
	// One row says its reason already.
	if (sections_.drop && counts.drops.size() > 1)
		text_reason_totals(counts.drops, wall_ns);
}

void Reporter::text_points(const IntervalCounts &counts, Section section, const char *title,
			   std::int64_t wall_ns)
{
	header(title, wall_ns);
	fmt::memory_buffer &out = out_.buffer();
	for (const ProbePoint &p : probe_points())
		if (p.section == section && counts.points[p.id])
			append(out, "         {:<7}{}\n", counts.points[p.id], p.label);
	out.push_back('\n');
}

void Reporter::frames(const StackRow &row, fmt::memory_buffer &out)
{
	if (!style_.stacks)
		return;
	if (!row.stack_recorded) {
		out.append(std::string_view(
			"                (stack not recorded: no room in the stack tables)\n"));
		return;
	}
	stacks_.text(out, row.location, row.frames.data(), row.frames.size());
}

FreeKind Reporter::kind(const StackRow &row) const
{
	return static_cast<FreeKind>(row.free_kind); // settled by interval()
}

void Reporter::text_stacks(const std::vector<StackRow> &rows, bool drops,
			   const IntervalCounts &counts, std::int64_t wall_ns)
{
	// Said in the last section shown, so a reader sees it once.
	const bool notes =
		(drops || !sections_.drop) && (counts.stacks_unrecorded || counts.rows_not_counted);
	if (rows.empty() && !notes)
		return;
	header(drops ? "DROP" : "CONSUME", wall_ns);
	fmt::memory_buffer &out = out_.buffer();
	for (const StackRow &row : rows) {
		if (!drops)
			append(out, "         {}", row.count);
		else if (reasons_passed_)
			append(out, "         {:<7}{} ({})", row.count, reasons_.name(row.reason),
			       row.reason);
		else
			append(out, "         {:<7}- (-)", row.count);
		// Without stacks the drop site is what tells rows apart.
		if (!style_.stacks && drops)
			append(out, " {}", row.location ? stacks_.frame(row.location) : "-");
		// A free that loses no packet says so on its own row.
		if (drops && kind(row) != FreeKind::Drop)
			append(out, " [{}]", free_kind_name(kind(row)));
		out.push_back('\n');
		frames(row, out);
	}
	if (notes && counts.stacks_unrecorded)
		append(out,
		       "                ({} events without a recorded stack: no room in "
		       "the stack tables)\n",
		       counts.stacks_unrecorded);
	if (notes && counts.rows_not_counted)
		append(out,
		       "                ({} events not counted: the stack-row table "
		       "was full)\n",
		       counts.rows_not_counted);
	out.push_back('\n');
}

void Reporter::text_reason_totals(const std::vector<StackRow> &rows, std::int64_t wall_ns)
{
	header("REASONS", wall_ns);
	fmt::memory_buffer &out = out_.buffer();
	for (const ReasonTotal &t :
	     reason_totals(rows, [this](const StackRow &r) { return kind(r); })) {
		if (reasons_passed_)
			append(out, "         {:<7}{} ({})", t.count, reasons_.name(t.reason),
			       t.reason);
		else
			append(out, "         {:<7}- (-)", t.count);
		if (t.kind != FreeKind::Drop)
			append(out, " [{}]", free_kind_name(t.kind));
		out.push_back('\n');
	}
	out.push_back('\n');
}

void Reporter::json(const IntervalCounts &counts, const IntervalTimes &times)
{
	nlohmann::ordered_json j;
	// Which kind of record this is: "interval", or "lost" (append_lost_record).
	j["type"] = "interval";
	fmt::memory_buffer time;
	format_rfc3339(time, times.end_ns);
	j["time"] = fmt::to_string(time);
	time.clear();
	format_rfc3339(time, times.start_ns);
	j["start"] = fmt::to_string(time);
	j["seconds"] = seconds(times.length_ns);
	auto points = [&](Section section) {
		auto list = nlohmann::ordered_json::array();
		for (const ProbePoint &p : probe_points())
			if (p.section == section && counts.points[p.id])
				list.push_back(
					{{"point", p.label}, {"count", counts.points[p.id]}});
		return list;
	};
	auto set_reason = [&](nlohmann::ordered_json &r, std::uint32_t reason) {
		if (reasons_passed_) {
			r["reason"] = reasons_.name(reason);
			r["reason_code"] = reason;
		} else {
			r["reason"] = nullptr;
			r["reason_code"] = nullptr;
		}
	};
	auto stacks = [&](const std::vector<StackRow> &rows, bool drops) {
		auto list = nlohmann::ordered_json::array();
		for (const StackRow &row : rows) {
			nlohmann::ordered_json r;
			r["count"] = row.count;
			if (drops)
				set_reason(r, row.reason);
			if (row.location)
				r["location"] = stacks_.frame(row.location);
			else
				r["location"] = nullptr;
			if (drops)
				r["kind"] = free_kind_name(kind(row));
			if (style_.stacks) {
				r["stack_recorded"] = row.stack_recorded;
				r["stack"] = stacks_.json(row.location, row.frames.data(),
							  row.frames.size());
			}
			list.push_back(std::move(r));
		}
		return list;
	};
	if (sections_.ingress)
		j["ingress"] = points(Section::Ingress);
	if (sections_.egress)
		j["egress"] = points(Section::Egress);
	if (sections_.consume)
		j["consume"] = stacks(counts.consumes, false);
	if (sections_.drop) {
		j["drop"] = stacks(counts.drops, true);
		auto totals = nlohmann::ordered_json::array();
		for (const ReasonTotal &t :
		     reason_totals(counts.drops, [this](const StackRow &r) { return kind(r); })) {
			nlohmann::ordered_json r;
			r["count"] = t.count;
			set_reason(r, t.reason);
			r["kind"] = free_kind_name(t.kind);
			totals.push_back(std::move(r));
		}
		j["drop_reasons"] = std::move(totals);
	}
	// Events not counted are the "lost" record's, which follows: said
	// once, so that a reader adding up losses counts each event once.
	j["stacks_unrecorded"] = counts.stacks_unrecorded;
	append_json_line(out_.buffer(), j);
}

} // namespace nettrace::skbstat
