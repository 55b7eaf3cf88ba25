// SPDX-License-Identifier: MIT
// Events a tool could not record, said the same way by every tool: a line
// on standard error for whoever watches, and with --json a record in the
// output stream itself, so that a program reading only standard output
// knows what it did not get.
#pragma once

#include <fmt/format.h>

#include <cstdint>

namespace nettrace {

enum class LossCause {
	RingBufferFull, // the BPF side could not reserve a record
	UnreadAtExit,   // still in the ring when the drain at exit ran out of time
	RowTableFull,   // a counting map had no room for a new row
};

struct LostEvents {
	LossCause cause = LossCause::RingBufferFull;
	std::uint64_t events = 0; // lost since the previous report
	std::uint64_t total = 0;  // lost since the start, of every cause, these included
};

// As standard error says it: "ring buffer full".
const char *loss_cause_text(LossCause cause);
// As the JSON record says it: "ring_buffer_full".
const char *loss_cause_key(LossCause cause);

// One line, {"type":"lost","time":...,"cause":...,"events":N,"total":T},
// `wall_ns` being when the loss was seen (nanoseconds since the epoch).
void append_lost_record(fmt::memory_buffer &out, const LostEvents &lost, std::int64_t wall_ns);

} // namespace nettrace
