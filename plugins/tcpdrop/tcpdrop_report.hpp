// SPDX-License-Identifier: MIT
// Turns tcpdrop events into text (the classic tcpdrop layout) or JSON lines.
#pragma once

#include "tcpdrop.h"
#include "tcpdrop_devices.hpp"

#include <nettrace/common/kernel/drop_reasons.hpp>
#include <nettrace/common/kernel/free_kind.hpp>
#include <nettrace/common/kernel/live_symbols.hpp>
#include <nettrace/common/output/clock.hpp>
#include <nettrace/common/output/lost_events.hpp>
#include <nettrace/common/output/stack_frames.hpp>
#include <nettrace/common/output/stack_printer.hpp>
#include <nettrace/common/output/writer.hpp>

#include <cstddef>

namespace nettrace::tcpdrop {

// The text columns shown besides the classic ones.
struct ExtraColumns {
	bool netns = false;  // NETNS: the namespace that dropped the packet
	bool device = false; // INTERFACE: the device's name
};

class Reporter {
public:
	Reporter(OutputWriter &out, LiveKernelSymbols &symbols, const DropReasons &reasons,
		 bool json, ExtraColumns columns = {});

	// The column header of the text output; nothing for JSON.
	void header();
	// One drop, or with --all a free of another `kind`; `stack` holds
	// `frames` return addresses, innermost first.
	void event(const tcpdrop_event &e, FreeKind kind, const __u64 *stack, std::size_t frames);
	// Events the kernel could not send: a record of their own in JSON;
	// nothing in text, where standard error says it.
	void lost(const LostEvents &lost);
	// The one offset from BPF time to wall-clock time, so that a capture
	// written besides says the same times to the nanosecond.
	const KernelClock &clock() const { return clock_; }

private:
	void text(const tcpdrop_event &e, FreeKind kind, const __u64 *stack, std::size_t frames);
	void json(const tcpdrop_event &e, FreeKind kind, const __u64 *stack, std::size_t frames);

	OutputWriter &out_;
	FrameNames frames_;
	StackPrinter stacks_;
	const DropReasons &reasons_;
	KernelClock clock_;
	DeviceNames devices_;
	bool json_;
	ExtraColumns columns_;
	fmt::memory_buffer scratch_;
};

// TCP state names as the kernel's tcp_states.h numbers them ("-" for none).
const char *tcp_state_name(unsigned state);
// "SYN|ACK" in the order FIN SYN RST PSH ACK URG ECE CWR.
void format_tcp_flags(fmt::memory_buffer &out, unsigned flags, const char *separator);

} // namespace nettrace::tcpdrop
