// Whether skbstat would run here: every probe point, the drop and the
// consume stacks are attached for real, as --list-probes does, then
// detached. Rows that could not attach are what a run would lose.
#include "skbstat_check.hpp"
#include "skbstat_probes.hpp"

#include <nettrace/common/bpf_loader.hpp>
#include <nettrace/common/drop_reasons.hpp>
#include <nettrace/common/kernel_btf.hpp>
#include <nettrace/common/plugin_check.hpp>

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

// One finding for the rows of one kind: function points or tracepoints.
void report_rows(sdk::CheckReport &report, const char *what, const Probes &probes,
		 bool functions, const char *fix)
{
	std::map<std::string, int> attached; // mechanism -> points
	std::vector<std::string> lost;
	std::set<std::string> why; // each distinct reason once
	for (const PointStatus &s : probes.statuses()) {
		if ((s.point->function != nullptr) != functions)
			continue;
		if (s.attached) {
			++attached[mechanism_name(*s.attached)];
		} else {
			lost.emplace_back(s.point->label);
			why.insert(s.why_not);
		}
	}
	std::string by;
	std::size_t total = lost.size();
	for (const auto &[mechanism, n] : attached) {
		by += fmt::format("{}{} by {}", by.empty() ? "" : ", ", n, mechanism);
		total += n;
	}
	if (lost.empty())
		return report.ok(what, fmt::format("all {} attach: {}", total, by));
	// A handful of names says which rows; the reasons say why.
	constexpr std::size_t named = 6;
	std::string which = lost.size() == total ? fmt::format("all {} unavailable", total)
						 : fmt::format("{} of {} unavailable", lost.size(),
							       total);
	if (lost.size() < total) {
		which += fmt::format(" ({}", fmt::join(lost.begin(),
						       lost.begin() + std::min(named, lost.size()),
						       ", "));
		which += lost.size() > named ? fmt::format(" and {} more)", lost.size() - named)
					     : ")";
		which += "; attached " + by;
	}
	report.degraded(what, fmt::format("{}: {}", which, fmt::join(why, " | ")), fix);
}

} // namespace

void check(sdk::CheckReport &report)
{
	if (!check::environment(report))
		return;
	bpf::capture_libbpf_log(false);
	ProbeSettings settings;
	settings.ingress = settings.egress = settings.consume = settings.drop = true;
	std::optional<KernelBtf> kernel(std::in_place);
	const DropReasons reasons = DropReasons::load(*kernel);
	const std::optional<int> kfree_skb_args = kernel->tracepoint_arg_count("kfree_skb");
	const KernelSupport support = KernelSupport::ask(*kernel);
	kernel.reset();
	std::optional<Probes> probes;
	try {
		probes.emplace(settings, support);
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
	check::drop_reasons(report, reasons, kfree_skb_args);
	check::stack_symbols(report);
}

} // namespace nettrace::skbstat
