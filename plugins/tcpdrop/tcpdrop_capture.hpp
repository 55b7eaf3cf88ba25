// SPDX-License-Identifier: MIT
// -w FILE: the dropped packets as a pcapng capture (common CaptureFile),
// each with why it was dropped in its comment: the reason, drop site,
// socket state, pid and command, as the text output says them.
#pragma once

#include "tcpdrop.h"
#include "tcpdrop_devices.hpp"

#include <nettrace/common/kernel/drop_reasons.hpp>
#include <nettrace/common/kernel/free_kind.hpp>
#include <nettrace/common/kernel/live_symbols.hpp>
#include <nettrace/common/output/capture_file.hpp>
#include <nettrace/common/output/clock.hpp>
#include <nettrace/common/output/stack_frames.hpp>
#include <nettrace/common/output/stack_printer.hpp>

#include <chrono>
#include <cstdint>

namespace nettrace::tcpdrop {

class CaptureWriter {
public:
	// Writes the section header into `fd`, which it owns from now on
	// (unless it is standard output). Times are converted with `clock`,
	// the text and JSON output's, which must outlive this.
	CaptureWriter(int fd, std::uint32_t snaplen, LiveKernelSymbols &symbols,
		      const DropReasons &reasons, const KernelClock &clock);

	void packet(const tcpdrop_event &e, FreeKind kind, const tcpdrop_capture &c);
	void lost(std::uint64_t events) { file_.lost(events); }
	void batch_done() { file_.batch_done(); }
	void give_up_after(std::chrono::nanoseconds duration) { file_.give_up_after(duration); }
	void finish() { file_.finish(); }
	bool closed() const { return file_.closed(); }
	std::uint64_t packets() const { return file_.packets(); }

private:
	void describe(const tcpdrop_event &e, FreeKind kind);

	CaptureFile file_;
	FrameNames frames_;
	StackPrinter stacks_;
	const DropReasons &reasons_;
	const KernelClock &clock_;
	DeviceNames devices_;
	fmt::memory_buffer comment_;
};

} // namespace nettrace::tcpdrop
