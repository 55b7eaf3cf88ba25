// SPDX-License-Identifier: MIT
// Whether tcpdrop would run here with its default options: the tracer is
// attached for real, then detached.
#include "tcpdrop_check.hpp"
#include "tcpdrop_tracer.hpp"

#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/common/preflight/checks.hpp>
#include <nettrace/common/tool/startup_session.hpp>

namespace nettrace::tcpdrop {

void check(sdk::CheckReport &report)
{
	StartupSession session;
	if (!session.begin_check(report))
		return;
	const KernelFacts facts = KernelFacts::read();
	TracerSettings settings;
	settings.kfree_skb = facts.kfree_skb;
	try {
		const Tracer tracer(settings);
		session.programs_loaded();
		report.ok("drops", "skb:kfree_skb by " + tracer.variant());
	} catch (const std::exception &e) {
		report.missing("drops", e.what());
		return;
	}
	preflight::tracing_basics(report, facts);
}

} // namespace nettrace::tcpdrop
