// SPDX-License-Identifier: MIT
// Findings every tracing plugin's check makes the same way (plugin ABI 1.1,
// NETTRACE_PLUGIN_CHECKED): whether this process may trace at all, whether
// drops will carry named reasons, and whether stacks will carry names.
#pragma once

#include <nettrace/plugin.hpp>

#include <optional>

namespace nettrace {

class DropReasons;

namespace preflight {

// Privileges and kernel BTF, reported MISSING when absent; false then, as
// nothing else can be tried.
bool environment(sdk::CheckReport &report);
// Named reasons: DEGRADED when skb:kfree_skb carries none
// (`kfree_skb_args` below 3) or the names cannot be read.
void drop_reasons(sdk::CheckReport &report, const DropReasons &reasons,
		  std::optional<int> kfree_skb_args);
// Symbol names for stacks: DEGRADED when /proc/kallsyms hides addresses.
void stack_symbols(sdk::CheckReport &report);

} // namespace preflight

} // namespace nettrace
