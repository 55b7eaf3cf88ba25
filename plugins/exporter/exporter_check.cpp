// SPDX-License-Identifier: MIT
// Whether the exporter would count here with its default options: the
// drop probe is attached for real, then detached. Serving is not tried:
// a port is the caller's to choose.
#include "exporter_check.hpp"
#include "exporter.h"
#include "exporter_probe.hpp"

#include <nettrace/common/bpf/attach.hpp>
#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/common/kernel/free_kind.hpp>
#include <nettrace/common/preflight/checks.hpp>
#include <nettrace/common/tool/startup_session.hpp>

namespace nettrace::exporter {

void check(sdk::CheckReport &report)
{
	StartupSession session;
	if (!session.begin_check(report))
		return;
	const KernelFacts facts = KernelFacts::read();
	ProbeSettings settings;
	settings.max_series = EXPORTER_DEFAULT_MAX_SERIES;
	settings.free_kinds = free_kind_facts(facts);
	try {
		const DropProbe probe(settings, facts);
		session.programs_loaded();
		report.ok("drop counting",
			  std::string("skb:kfree_skb by ") + bpf::name(probe.mechanism()));
	} catch (const std::exception &e) {
		report.missing("drop counting", e.what());
		return;
	}
	preflight::tracing_basics(report, facts);
}

} // namespace nettrace::exporter
