// SPDX-License-Identifier: MIT
#include <nettrace/common/output/clock.hpp>
#include <nettrace/common/output/lost_events.hpp>

#include <iterator>

namespace nettrace {

const char *loss_cause_text(LossCause cause)
{
	switch (cause) {
	case LossCause::RingBufferFull:
		return "ring buffer full";
	case LossCause::UnreadAtExit:
		return "left unread at exit";
	case LossCause::RowTableFull:
		return "stack-row table full";
	}
	return "unknown";
}

const char *loss_cause_key(LossCause cause)
{
	switch (cause) {
	case LossCause::RingBufferFull:
		return "ring_buffer_full";
	case LossCause::UnreadAtExit:
		return "unread_at_exit";
	case LossCause::RowTableFull:
		return "row_table_full";
	}
	return "unknown";
}

void append_lost_record(fmt::memory_buffer &out, const LostEvents &lost, std::int64_t wall_ns)
{
	// Every value is a number or one of the fixed words above: written
	// directly, it is valid JSON without a JSON library.
	out.append(std::string_view(R"({"type":"lost","time":")"));
	format_rfc3339(out, wall_ns);
	fmt::format_to(std::back_inserter(out), R"(","cause":"{}","events":{},"total":{}}})",
		       loss_cause_key(lost.cause), lost.events, lost.total);
	out.push_back('\n');
}

} // namespace nettrace
