// SPDX-License-Identifier: MIT
#include <nettrace/common/kernel/fixes.hpp>
#include <nettrace/common/preflight/checks.hpp>
#include <nettrace/common/preflight/privileges.hpp>

#include <nettrace/common/kernel/btf.hpp>
#include <nettrace/common/kernel/drop_reasons.hpp>
#include <nettrace/common/kernel/symbols.hpp>

#include <fmt/format.h>

namespace nettrace::preflight {

bool environment(sdk::CheckReport &report)
{
	bool ok = true;
	if (const std::string why = missing_privileges(); !why.empty()) {
		report.missing("privileges", why, fix::run_as_root);
		ok = false;
	}
	if (!KernelBtf::available()) {
		report.missing("BTF",
			       fmt::format("this kernel has no BTF ({} is missing)",
					   KernelBtf::vmlinux_path),
			       fix::boot_kernel_with_btf);
		ok = false;
	}
	return ok;
}

void drop_reasons(sdk::CheckReport &report, const DropReasons &reasons,
		  const std::optional<KfreeSkbLayout> &kfree_skb)
{
	if (kfree_skb && !kfree_skb->has_reason)
		report.degraded("drop reasons",
				"skb:kfree_skb carries no reason on kernels before 5.17",
				fix::boot_kernel_with_drop_reasons);
	else if (reasons.empty())
		report.degraded("drop reasons",
				"codes are shown as UNKNOWN_<code>: " +
					reasons.unavailable_reason(),
				"mount tracefs (" + fix::mount_tracefs() + ")");
	else
		report.ok("drop reasons", fmt::format("{} names, from {}", reasons.names().size(),
						      reasons.origin()));
}

void stack_symbols(sdk::CheckReport &report)
{
	try {
		const KernelSymbols symbols = KernelSymbols::load();
		if (symbols.addresses_hidden())
			report.degraded("stack symbols", symbols.hidden_warning());
		else
			report.ok("stack symbols",
				  fmt::format("{} kernel symbols", symbols.size()));
	} catch (const std::exception &e) {
		report.degraded("stack symbols",
				fmt::format("{}; stacks and drop sites are shown as addresses",
					    e.what()),
				"run as root");
	}
}

void tracing_basics(sdk::CheckReport &report, const KernelFacts &facts)
{
	drop_reasons(report, facts.reasons, facts.kfree_skb);
	stack_symbols(report);
}

} // namespace nettrace::preflight
