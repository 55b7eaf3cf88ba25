// Whether tcpdrop would run here with its default options: the tracer is
// attached for real, then detached.
#include "tcpdrop_check.hpp"
#include "tcpdrop_tracer.hpp"

#include <nettrace/common/bpf/skeleton.hpp>
#include <nettrace/common/kernel/drop_reasons.hpp>
#include <nettrace/common/kernel/btf.hpp>
#include <nettrace/common/preflight/checks.hpp>

#include <optional>

namespace nettrace::tcpdrop {

void check(sdk::CheckReport &report)
{
	if (!preflight::environment(report))
		return;
	bpf::capture_libbpf_log_for_check();
	TracerSettings settings;
	std::optional<KernelBtf> kernel(std::in_place);
	const DropReasons reasons = DropReasons::load(*kernel);
	settings.kfree_skb_args = kernel->tracepoint_arg_count("kfree_skb");
	kernel.reset();
	try {
		const Tracer tracer(settings);
		report.ok("drops", "skb:kfree_skb by " + tracer.variant());
	} catch (const std::exception &e) {
		report.missing("drops", e.what());
		return;
	}
	preflight::drop_reasons(report, reasons, settings.kfree_skb_args);
	preflight::stack_symbols(report);
}

} // namespace nettrace::tcpdrop
