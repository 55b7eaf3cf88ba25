// SPDX-License-Identifier: MIT
// Whether skbtrace would follow packets here: its tracepoints and ends
// are attached for real, then the functions by the mechanism its default
// would pick, for one function (ip_rcv) so that the check stays quick,
// and the copy functions; everything is detached again.
#include "skbtrace_check.hpp"
#include "skbtrace_attach.hpp"

#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/common/preflight/checks.hpp>
#include <nettrace/common/tool/startup_session.hpp>

#include <fmt/format.h>

namespace nettrace::skbtrace {

void check(sdk::CheckReport &report)
{
	StartupSession session;
	if (!session.begin_check(report))
		return;
	const KernelFacts facts = KernelFacts::read();
	TracerSettings settings;
	settings.points = {"net:*", "ip_rcv"};
	try {
		const Tracer tracer(settings);
		session.programs_loaded();
		const Attached &a = tracer.attached();
		report.ok("tracepoints", fmt::format("{} tracepoints and the ends (skb:kfree_skb, "
						     "skb:consume_skb)",
						     a.tracepoints.size() + 2));
		std::string failed;
		for (const std::string &why : a.mechanisms_failed)
			failed += (failed.empty() ? "" : "; ") + why;
		if (a.functions_by) {
			report.ok("kernel functions",
				  fmt::format("by {}{}", bpf::name(*a.functions_by),
					      failed.empty() ? "" : " (" + failed + ")"));
			if (!a.copies.empty())
				report.ok("copies", fmt::format("{} copy functions by {}",
								a.copies.size(), a.copies_by));
			else
				report.degraded("copies",
						"clones and copies of a packet are not followed: " +
							a.copies_not,
						"a kernel with kretprobes or fexit follows them");
		} else
			report.degraded("kernel functions",
					"packets are seen at tracepoints only: " + failed,
					"a kernel with kprobes or fentry shows every function a "
					"packet passes");
	} catch (const std::exception &e) {
		report.missing("tracepoints", e.what());
		return;
	}
	preflight::tracing_basics(report, facts);
}

} // namespace nettrace::skbtrace
