// SPDX-License-Identifier: MIT
// -w FILE: the dropped packets as a pcapng capture any Wireshark reads,
// each with why it was dropped in its own options (opt_comment), its
// direction (epb_flags), a running number (epb_packetid) and the events
// lost before it (epb_dropcount); at the end, one Interface Statistics
// Block per interface with the totals.
//
// An interface is a device in a namespace, as the drops name it, and the
// way its bytes start (link header or IP header): one Interface
// Description Block each, written when its first packet comes.
#pragma once

#include "tcpdrop.h"
#include "tcpdrop_devices.hpp"

#include <nettrace/common/kernel/drop_reasons.hpp>
#include <nettrace/common/kernel/free_kind.hpp>
#include <nettrace/common/kernel/live_symbols.hpp>
#include <nettrace/common/output/clock.hpp>
#include <nettrace/common/output/pcapng_writer.hpp>
#include <nettrace/common/output/stack_frames.hpp>
#include <nettrace/common/output/stack_printer.hpp>
#include <nettrace/common/output/writer.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace nettrace::tcpdrop {

// Opens where -w says, before anything is attached: "-" is standard
// output, anything else a file, made or emptied (as tcpdump does). Throws
// RuntimeError naming the path and why it cannot be written.
int open_capture_output(const std::string &path);

class CaptureWriter {
public:
	// Writes the section header into `fd`, which it owns from now on
	// (unless it is standard output). Times are converted with `clock`,
	// the text and JSON output's, which must outlive this.
	CaptureWriter(int fd, std::uint32_t snaplen, LiveKernelSymbols &symbols,
		      const DropReasons &reasons, const KernelClock &clock);
	~CaptureWriter();
	CaptureWriter(const CaptureWriter &) = delete;
	CaptureWriter &operator=(const CaptureWriter &) = delete;

	void packet(const tcpdrop_event &e, FreeKind kind, const tcpdrop_capture &c);
	// Events lost since the last report: counted on the next packet.
	void lost(std::uint64_t events);
	// After each batch of records: out to the reader at once, so that one
	// reading a pipe (tshark -r -) sees each packet as it comes.
	void batch_done() { out_.flush(); }
	// As OutputWriter::give_up_after: a reader that stops taking the
	// capture must not hold a run with --duration past its end.
	void give_up_after(std::chrono::nanoseconds duration) { out_.give_up_after(duration); }
	// The statistics blocks, then everything out; throws RuntimeError if
	// a write failed.
	void finish();
	bool closed() const { return out_.closed(); }
	std::uint64_t packets() const { return packets_; }

private:
	struct Interface {
		std::uint32_t id;
		std::uint64_t delivered = 0;
		std::uint64_t lost = 0;
	};
	Interface &interface_of(const tcpdrop_event &e, const tcpdrop_capture &c);
	void describe(const tcpdrop_event &e, FreeKind kind);

	int fd_;
	OutputWriter out_;
	pcapng::PcapngWriter pcap_;
	std::uint32_t snaplen_;
	FrameNames frames_;
	StackPrinter stacks_;
	const DropReasons &reasons_;
	const KernelClock &clock_;
	DeviceNames devices_;
	std::int64_t start_ns_;
	// By namespace, device index and link type (TCPDROP_LINK_*): a map
	// node's address stays put, so in_order_ and last_ may point at it.
	std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint8_t>, Interface> interfaces_;
	std::vector<Interface *> in_order_;
	Interface *last_ = nullptr;
	std::uint64_t packets_ = 0;
	std::uint64_t lost_pending_ = 0;
	fmt::memory_buffer comment_;
};

} // namespace nettrace::tcpdrop
