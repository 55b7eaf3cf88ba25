// SPDX-License-Identifier: MIT
#include <nettrace/common/output/stack_frames.hpp>

#include <algorithm>

namespace nettrace {

bool is_tracing_frame(std::string_view name)
{
	constexpr std::string_view prefixes[] = {
		"__traceiter_",      "__bpf_trace_", "bpf_trace_run",
		"bpf_prog_",         "__bpf_prog_",  "bpf_trampoline_",
		"trace_kfree_skb",   "perf_trace_",  "trace_event_raw_event_",
		"trace_consume_skb",
	};
	constexpr std::string_view exact[] = {
		"sk_skb_reason_drop", "kfree_skb_reason",      "kfree_skb",
		"__kfree_skb",        "kfree_skb_list_reason", "consume_skb",
	};
	for (auto p : prefixes)
		if (name.substr(0, p.size()) == p)
			return true;
	for (auto e : exact)
		if (name == e)
			return true;
	return false;
}

std::size_t first_shown_frame(const KernelSymbols &symbols, __u64 location, const __u64 *stack,
			      std::size_t frames)
{
	if (location)
		for (std::size_t i = 0; i < frames; ++i)
			if (stack[i] == location)
				return i;
	std::size_t i = 0;
	while (i < frames) {
		const auto sym = symbols.resolve(stack[i] ? stack[i] - 1 : 0);
		if (!sym || !is_tracing_frame(sym->name))
			break;
		++i;
	}
	return i;
}

FrameNames::FrameNames(LiveKernelSymbols &symbols)
    : symbols_(symbols), generation_(symbols.generation())
{
}

bool FrameNames::append_return_address(fmt::memory_buffer &out, std::uint64_t address)
{
	// The slots are made on first use: a run that prints no stack never
	// touches their 256 KiB.
	if (slots_.empty() || generation_ != symbols_.generation()) {
		slots_.assign(slot_count, Slot{});
		generation_ = symbols_.generation();
	}
	// Fibonacci hashing: return addresses share their high bits.
	Slot &slot = slots_[(address * 0x9E3779B97F4A7C15ull) >> 52];
	static_assert(slot_count == 1u << 12);
	if (address != 0 && slot.address == address) {
		out.append(slot.text, slot.text + slot.length);
		return true;
	}
	scratch_.clear();
	const bool settled = symbols_.format_return_address_to(scratch_, address);
	out.append(scratch_.data(), scratch_.data() + scratch_.size());
	if (settled && address != 0 && scratch_.size() <= sizeof(slot.text)) {
		slot.address = address;
		slot.length = static_cast<std::uint8_t>(scratch_.size());
		std::copy(scratch_.data(), scratch_.data() + scratch_.size(), slot.text);
	}
	return settled;
}

} // namespace nettrace
