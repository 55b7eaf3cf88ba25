// SPDX-License-Identifier: MIT
// Kernel stacks as users want to read them: starting at the place that
// dropped (or freed) the packet, not inside the tracing machinery that
// recorded it.
#pragma once

#include <nettrace/common/kernel_symbols.hpp>

#include <cstddef>
#include <cstdint>
#include <linux/types.h>
#include <string_view>

namespace nettrace {

// Functions a stack walk from a tracepoint or BPF program passes through
// before it reaches the code that fired the tracepoint.
bool is_tracing_frame(std::string_view function);

// Index of the first frame worth showing: the drop site `location` (a
// return address the walk passes exactly) when it is known and found,
// else the first frame that is not tracing machinery.
std::size_t first_shown_frame(const KernelSymbols &symbols, __u64 location,
			      const __u64 *stack, std::size_t frames);

} // namespace nettrace
