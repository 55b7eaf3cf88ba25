// SPDX-License-Identifier: MIT
// skbtrace's output: each followed packet's sightings, grouped. Text
// keeps a packet's sightings until it ends, then prints them as one block
// (packets followed at once interleave in the kernel, not on screen);
// JSON streams one record per sighting, tagged with the packet's id.
#pragma once

#include "skbtrace.h"

#include <nettrace/common/kernel/drop_reasons.hpp>
#include <nettrace/common/kernel/live_symbols.hpp>
#include <nettrace/common/output/capture_file.hpp>
#include <nettrace/common/output/clock.hpp>
#include <nettrace/common/output/stack_frames.hpp>
#include <nettrace/common/output/stack_printer.hpp>
#include <nettrace/common/output/writer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace nettrace::skbtrace {

// Sightings kept per packet for text; later ones are counted.
inline constexpr std::size_t max_kept_sightings = 4096;

class Reporter {
public:
	// `forget(skb, id)` takes a packet the kernel still follows out of
	// its map, when the packet is given up on (idle, or its sk_buff
	// reused).
	// `capture`, when not NULL, gets every sighting with its bytes.
	Reporter(OutputWriter &out, LiveKernelSymbols &symbols, const DropReasons &reasons,
		 bool json, std::function<void(std::uint64_t skb)> forget,
		 CaptureFile *capture = nullptr);

	// A ring record: a sighting, or an end with its stack; with -w, the
	// packet's bytes (`captured`, of `max_bytes` room).
	void record(const skbtrace_event &e, const __u64 *stack, std::size_t frames,
		    const nt_capture_head *captured = nullptr, std::size_t max_bytes = 0);
	const KernelClock &clock() const { return clock_; }
	// Gives up on packets not seen for `idle`: their end passed no point
	// this kernel lets skbtrace see.
	void sweep(std::chrono::nanoseconds idle);
	// Ends what is still followed, as nettrace stops.
	void finish();
	// Packets that ended (any way).
	std::uint64_t packets_done() const { return packets_done_; }

private:
	struct Sighting {
		skbtrace_event e;
		std::vector<__u64> stack; // a drop's
	};
	struct Packet {
		std::uint64_t first_ns = 0;
		std::uint64_t last_ns = 0;
		std::uint64_t skb = 0;
		std::uint64_t kernel_id = 0;     // skbtrace_event.packet_id
		std::vector<Sighting> sightings; // text only
		std::size_t not_kept = 0;
		skbtrace_event last{};             // the last sighting (JSON: the tuple shown last)
		std::uint64_t copy_of = 0;         // the packet this copies, 0 for none
		std::vector<std::uint64_t> copies; // text: packets copied from this one
	};

	void note_copy(std::uint64_t id, Packet &copy, std::uint64_t parent_kernel_id);
	void close(std::uint64_t id, Packet &p, std::string_view why);
	void text_block(std::uint64_t id, const Packet &p, std::string_view why);
	void text_line(const Packet &p, const Sighting &s, const skbtrace_event *previous);
	void write_capture(std::uint64_t id, const Packet &p, const skbtrace_event &e,
			   const nt_capture_head &c, std::size_t max_bytes, std::string_view end);
	void json_record(std::uint64_t id, const Packet &p, const skbtrace_event &e,
			 const __u64 *stack, std::size_t frames, std::string_view end);
	std::string_view point_name(const skbtrace_event &e);
	std::string_view end_name(const Packet &p, const skbtrace_event &e);

	OutputWriter &out_;
	LiveKernelSymbols &symbols_;
	FrameNames frames_;
	StackPrinter stacks_;
	const DropReasons &reasons_;
	bool json_;
	std::function<void(std::uint64_t)> forget_;
	CaptureFile *capture_;
	fmt::memory_buffer comment_;
	KernelClock clock_;
	std::unordered_map<std::uint64_t, Packet> packets_;          // by the id shown
	std::unordered_map<std::uint64_t, std::uint64_t> shown_ids_; // kernel's id -> shown
	std::uint64_t shown_ids_given_ = 0;
	std::unordered_map<std::uint64_t, std::uint64_t> by_skb_;  // skb -> id
	std::unordered_map<std::uint64_t, std::string> functions_; // address -> name
	std::uint64_t packets_done_ = 0;
	fmt::memory_buffer scratch_;
};

} // namespace nettrace::skbtrace
