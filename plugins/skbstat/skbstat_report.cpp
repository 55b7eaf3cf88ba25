// SPDX-License-Identifier: MIT
#include "skbstat_report.hpp"

#include <nettrace/common/output/append.hpp>
#include <nettrace/common/output/clock.hpp>
#include <nettrace/common/output/json_line.hpp>

namespace nettrace::skbstat {

Reporter::Reporter(OutputWriter &out, LiveKernelSymbols &symbols, const DropReasons &reasons,
		   DropReasonsPassed passed, Sections sections, bool json)
    : out_(out), frames_(symbols), stacks_(frames_, "                "), reasons_(reasons),
      reasons_passed_(passed == DropReasonsPassed::Yes), sections_(sections), json_(json)
{
}

void Reporter::interval(const IntervalCounts &counts, std::int64_t wall_ns)
{
	if (json_)
		json(counts, wall_ns);
	else
		text(counts, wall_ns);
	out_.flush();
}

void Reporter::lost(const LostEvents &lost, std::int64_t wall_ns)
{
	if (!json_)
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

void Reporter::text(const IntervalCounts &counts, std::int64_t wall_ns)
{
	if (sections_.ingress)
		text_points(counts, Section::Ingress, "INGRESS", wall_ns);
	if (sections_.egress)
		text_points(counts, Section::Egress, "EGRESS", wall_ns);
	if (sections_.consume)
		text_stacks(counts.consumes, false, counts, wall_ns);
	if (sections_.drop)
		text_stacks(counts.drops, true, counts, wall_ns);
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
	if (!row.stack_recorded) {
		out.append(std::string_view(
			"                (stack not recorded: the stack table was full)\n"));
		return;
	}
	stacks_.text(out, row.location, row.frames.data(), row.frames.size());
}

FreeKind Reporter::kind(const StackRow &row) const
{
	return settle_free_kind(row.free_kind, row.location, frames_.symbols().table());
}

void Reporter::text_stacks(const std::vector<StackRow> &rows, bool drops,
			   const IntervalCounts &counts, std::int64_t wall_ns)
{
	header(drops ? "DROP" : "CONSUME", wall_ns);
	fmt::memory_buffer &out = out_.buffer();
	for (const StackRow &row : rows) {
		if (drops && reasons_passed_)
			append(out, "         {:<7}{} ({})", row.count, reasons_.name(row.reason),
			       row.reason);
		else if (drops)
			append(out, "         {:<7}- (-)", row.count);
		else
			append(out, "         {}", row.count);
		// A free that loses no packet says so on its own row.
		if (drops && kind(row) != FreeKind::Drop)
			append(out, " [{}]", free_kind_name(kind(row)));
		out.push_back('\n');
		frames(row, out);
	}
	// Said in the last section shown, so a reader sees it once.
	if (drops || !sections_.drop) {
		if (counts.stacks_unrecorded)
			append(out,
			       "                ({} events without a recorded stack: the stack "
			       "table was full)\n",
			       counts.stacks_unrecorded);
		if (counts.rows_not_counted)
			append(out,
			       "                ({} events not counted: the stack-row table "
			       "was full)\n",
			       counts.rows_not_counted);
	}
	out.push_back('\n');
}

void Reporter::json(const IntervalCounts &counts, std::int64_t wall_ns)
{
	nlohmann::ordered_json j;
	// Which kind of record this is: "interval", or "lost" (append_lost_record).
	j["type"] = "interval";
	fmt::memory_buffer time;
	format_rfc3339(time, wall_ns);
	j["time"] = fmt::to_string(time);
	auto points = [&](Section section) {
		auto list = nlohmann::ordered_json::array();
		for (const ProbePoint &p : probe_points())
			if (p.section == section && counts.points[p.id])
				list.push_back(
					{{"point", p.label}, {"count", counts.points[p.id]}});
		return list;
	};
	auto stacks = [&](const std::vector<StackRow> &rows, bool drops) {
		auto list = nlohmann::ordered_json::array();
		for (const StackRow &row : rows) {
			nlohmann::ordered_json r;
			r["count"] = row.count;
			if (drops && reasons_passed_) {
				r["reason"] = reasons_.name(row.reason);
				r["reason_code"] = row.reason;
			} else if (drops) {
				r["reason"] = nullptr;
				r["reason_code"] = nullptr;
			}
			if (drops)
				r["kind"] = free_kind_name(kind(row));
			if (row.location)
				r["location"] = stacks_.frame(row.location);
			else
				r["location"] = nullptr;
			r["stack_recorded"] = row.stack_recorded;
			r["stack"] =
				stacks_.json(row.location, row.frames.data(), row.frames.size());
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
	if (sections_.drop)
		j["drop"] = stacks(counts.drops, true);
	j["stacks_unrecorded"] = counts.stacks_unrecorded;
	j["not_counted"] = counts.rows_not_counted;
	append_json_line(out_.buffer(), j);
}

} // namespace nettrace::skbstat
