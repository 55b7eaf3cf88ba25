#include <nettrace/common/stack_frames.hpp>

namespace nettrace {

bool is_tracing_frame(std::string_view name)
{
	constexpr std::string_view prefixes[] = {
		"__traceiter_", "__bpf_trace_", "bpf_trace_run", "bpf_prog_",
		"__bpf_prog_", "bpf_trampoline_", "trace_kfree_skb", "perf_trace_",
		"trace_event_raw_event_", "trace_consume_skb",
	};
	constexpr std::string_view exact[] = {
		"sk_skb_reason_drop", "kfree_skb_reason", "kfree_skb", "__kfree_skb",
		"kfree_skb_list_reason", "consume_skb",
	};
	for (auto p : prefixes)
		if (name.substr(0, p.size()) == p)
			return true;
	for (auto e : exact)
		if (name == e)
			return true;
	return false;
}

std::size_t first_shown_frame(const KernelSymbols &symbols, __u64 location,
			      const __u64 *stack, std::size_t frames)
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

} // namespace nettrace
