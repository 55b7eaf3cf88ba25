// SPDX-License-Identifier: MIT
// Whether skbstat would run here: every probe point, the drop and the
// consume stacks are attached for real, as --list-probes does, then
// detached. Rows that could not attach are what a run would lose.
#include "skbstat_check.hpp"
#include "skbstat_probes.hpp"

#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/common/preflight/checks.hpp>
#include <nettrace/common/tool/startup_session.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nettrace::skbstat {

namespace {

// One finding for the rows of one kind, function points or tracepoints:
// DEGRADED when the kernel has a point but refused to attach it. A point
// the kernel does not have (an event it lacks, an inlined function) is
// named, but is not something a run here could have had.
void report_rows(sdk::CheckReport &report, const char *what, const Probes &probes, bool functions,
		 const char *fix)
{
	std::map<std::string, int> attached; // mechanism -> points
	std::vector<std::string> lost, absent;
	std::set<std::string> why; // each distinct reason once
	for (const PointStatus &s : probes.statuses()) {
		if ((s.point->function != nullptr) != functions)
			continue;
		if (s.attached) {
			++attached[bpf::name(*s.attached)];
		} else if (s.absent) {
			absent.emplace_back(s.point->label);
		} else {
			lost.emplace_back(s.point->label);
			why.insert(s.why_not);
		}
	}
	std::string by;
	std::size_t offered = lost.size();
	for (const auto &[mechanism, n] : attached) {
		by += fmt::format("{}{} by {}", by.empty() ? "" : ", ", n, mechanism);
		offered += n;
	}
	const std::string not_here =
		absent.empty() ? ""
			       : fmt::format("; not in this kernel: {}", fmt::join(absent, ", "));
	if (lost.empty())
		return report.ok(what, fmt::format("all {} attach{}{}", offered,
						   by.empty() ? "" : ": " + by, not_here));
	// A handful of names says which rows; the reasons say why.
	constexpr std::size_t named = 6;
	std::string which = lost.size() == offered
				    ? fmt::format("all {} unavailable", offered)
				    : fmt::format("{} of {} unavailable", lost.size(), offered);
	if (lost.size() < offered) {
		which += fmt::format(" ({}",
				     fmt::join(lost.begin(),
					       lost.begin() + std::min(named, lost.size()), ", "));
		which += lost.size() > named ? fmt::format(" and {} more)", lost.size() - named)
					     : ")";
		which += "; attached " + by;
	}
	report.degraded(what, fmt::format("{}{}: {}", which, not_here, fmt::join(why, " | ")), fix);
}

} // namespace

void check(sdk::CheckReport &report)
{
	StartupSession session;
	if (!session.begin_check(report))
		return;
	ProbeSettings settings;
	settings.ingress = settings.egress = settings.consume = settings.drop = true;
	const KernelFacts facts = KernelFacts::read(facts_wanted());
	std::optional<Probes> probes;
	try {
		probes.emplace(settings, facts);
		session.programs_loaded();
	} catch (const std::exception &e) {
		report.missing("counting", e.what());
		return;
	}
	if (probes->drop_probe().empty())
		report.missing("drop stacks", "skb:kfree_skb cannot be attached");
	else
		report.ok("drop stacks", "skb:kfree_skb by " + probes->drop_probe());
	if (probes->consume_probe().empty())
		report.degraded("consume stacks", "skb:consume_skb cannot be attached");
	else
		report.ok("consume stacks", "skb:consume_skb by " + probes->consume_probe());
	report_rows(report, "function rows", *probes, true,
		    "boot a kernel that allows fentry (BTF and BPF trampolines) or kprobes "
		    "(CONFIG_KPROBES=y)");
	report_rows(report, "tracepoint rows", *probes, false, "");
	preflight::tracing_basics(report, facts);
}

} // namespace nettrace::skbstat
