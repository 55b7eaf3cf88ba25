// SPDX-License-Identifier: MIT
// skbtrace's probe points: which tracepoints and kernel functions a run
// follows packets through (--points), and --list-points.
#pragma once

#include <nettrace/common/kernel/btf.hpp>
#include <nettrace/common/kernel/skb_functions.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nettrace::skbtrace {

// --points GLOB,...: the globs, each non-empty. Throws UsageError.
std::vector<std::string> parse_point_globs(std::string_view list);
// Whether a point named `name` (a function, or "subsystem:event" also
// matched by its event alone) is chosen; every point when `globs` is
// empty.
bool point_chosen(const std::vector<std::string> &globs, std::string_view name);

// Throws UsageError for a glob that names no point on this kernel.
void check_point_globs(const KernelBtf &btf, const std::vector<std::string> &globs);

// The kernel functions that free an sk_buff itself: attached whatever
// --points says, where a packet that passed no free tracepoint ends.
inline constexpr std::array<const char *, 2> free_functions = {"kfree_skbmem",
							       "napi_skb_cache_put"};

// The functions to attach, by the argument that is the packet.
struct FunctionChoice {
	std::array<std::vector<std::string>, skb_argument_limit> by_argument;
	std::size_t count = 0;
	std::size_t untraceable = 0; // chosen, but ftrace cannot attach to them
};
FunctionChoice choose_functions(const KernelBtf &btf, const std::vector<std::string> &globs);

// --list-points: every tracepoint and function that takes an sk_buff on
// this kernel, and whether skbtrace can follow packets there; as text
// lines or JSON lines.
void list_points(const KernelBtf &btf, bool json);

} // namespace nettrace::skbtrace
