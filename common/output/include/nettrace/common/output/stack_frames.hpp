// SPDX-License-Identifier: MIT
// Kernel stacks as users want to read them: starting at the place that
// dropped (or freed) the packet, not inside the tracing machinery that
// recorded it.
#pragma once

#include <nettrace/common/kernel/live_symbols.hpp>
#include <nettrace/common/kernel/symbols.hpp>

#include <cstddef>
#include <cstdint>
#include <linux/types.h>
#include <string_view>
#include <vector>

namespace nettrace {

// Functions a stack walk from a tracepoint or BPF program passes through
// before it reaches the code that fired the tracepoint.
bool is_tracing_frame(std::string_view function);

// Index of the first frame worth showing: the drop site `location` (a
// return address the walk passes exactly) when it is known and found,
// else the first frame that is not tracing machinery.
std::size_t first_shown_frame(const KernelSymbols &symbols, __u64 location, const __u64 *stack,
			      std::size_t frames);

// Return addresses as LiveKernelSymbols::format_return_address_to writes
// them, remembering the text of recent ones. A storm repeats the same few
// stacks, and finding a frame's symbol (a binary search over 100k+ of them)
// and writing it cost more than the rest of an event. Direct-mapped: each
// address has one slot, and a newer address takes it over; text too long
// for a slot is written afresh each time. Only settled text is kept (see
// LiveKernelSymbols), so a frame of code loaded after start is asked again
// until the symbols have been read again for it, and all is forgotten when
// they have.
class FrameNames {
public:
	// `symbols` must outlive this; it may be loaded after construction.
	explicit FrameNames(LiveKernelSymbols &symbols);

	// True when the text is settled: the same address will always read
	// the same until the symbols are read again.
	bool append_return_address(fmt::memory_buffer &out, std::uint64_t address);
	const LiveKernelSymbols &symbols() const { return symbols_; }

private:
	struct Slot {
		std::uint64_t address = 0; // 0: empty
		std::uint8_t length = 0;
		char text[55];
	};
	static constexpr std::size_t slot_count = 4096; // 256 KiB

	LiveKernelSymbols &symbols_;
	std::uint64_t generation_; // of the symbols the slots were filled from
	std::vector<Slot> slots_;
	fmt::memory_buffer scratch_;
};

} // namespace nettrace
