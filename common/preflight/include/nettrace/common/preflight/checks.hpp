// SPDX-License-Identifier: MIT
// Findings every tracing plugin's check makes the same way (plugin ABI 1.1,
// NETTRACE_PLUGIN_CHECKED): whether this process may trace at all, whether
// drops will carry named reasons, and whether stacks will carry names.
#pragma once

#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/plugin.hpp>

#include <optional>

namespace nettrace {

namespace preflight {

// Privileges and kernel BTF, reported MISSING when absent; false then, as
// nothing else can be tried.
bool environment(sdk::CheckReport &report);
// Named reasons: DEGRADED when skb:kfree_skb carries none or the names
// cannot be read.
void drop_reasons(sdk::CheckReport &report, const DropReasons &reasons,
		  const std::optional<KfreeSkbLayout> &kfree_skb);
// Symbol names for stacks: DEGRADED when /proc/kallsyms hides addresses.
void stack_symbols(sdk::CheckReport &report);
// What every tracing check ends with, once its own findings are made:
// drop_reasons() and stack_symbols(). Its start is environment(), which
// decides whether anything else can be tried.
void tracing_basics(sdk::CheckReport &report, const KernelFacts &facts);

} // namespace preflight

} // namespace nettrace
