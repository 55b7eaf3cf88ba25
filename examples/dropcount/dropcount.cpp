// SPDX-License-Identifier: MIT
// nettrace dropcount: the packets the kernel drops, counted per drop
// reason, in one network namespace or in all of them. A plugin built
// outside the nettrace tree, against the installed SDK only: copy this
// folder to start a new one.
#include "dropcount.h"
#include "dropcount.skel.h"

#include <nettrace/common/bpf/per_cpu_counters.hpp>
#include <nettrace/common/output/clock.hpp>
#include <nettrace/common/tool/tool.hpp> // options, start-up, facts, skeleton, loop

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <functional> // std::greater

using namespace nettrace;

namespace {

// The table, most drops first; per interval, with the time above it.
void print_counts(const bpf_map *map, const DropReasons &reasons, bool with_time)
{
	std::vector<bpf::KeyCount> counts = bpf::read_per_cpu_counters(map); // by code
	std::ranges::stable_sort(counts, std::greater{}, &bpf::KeyCount::count);
	if (with_time)
		fmt::print("{}\n", local_hms(wall_clock_ns()));
	const auto row = [](auto reason, auto code, auto drops) {
		fmt::print("{:<32} {:>8} {:>12}\n", reason, code, drops);
	};
	row("REASON", "CODE", "DROPS");
	std::uint64_t total = 0;
	for (const bpf::KeyCount &c : counts) {
		row(reasons.name(c.key), c.key, c.count);
		total += c.count;
	}
	row("TOTAL", "", total);
	std::fflush(stdout);
}

int run(const nettrace_host *, int argc, char **argv)
{
	StandardOptions o{.count_help = "exit after N intervals (with -i)",
			  .interval_help = "also print the counts every SECONDS"};
	boost::program_options::options_description desc("options");
	add_filter_options(desc, FilterOption::netns);
	using namespace standard_option;
	add_standard_options(desc, o, interval | limits | verbose);
	add_help_option(desc);
	const auto vm = parse_command_line(argc, argv, desc);
	if (print_help_if_asked(vm,
				"usage: nettrace dropcount [--netns NS] [-i SECONDS] [-c N] "
				"[--duration SECONDS] [-v]\n\n"
				"Count the packets the kernel drops, per drop reason.",
				desc))
		return NETTRACE_EXIT_OK;
	check_standard_options(vm, o);
	if (o.limits.count && !vm.count("interval"))
		throw UsageError("--count counts intervals: give --interval too");
	const nt_filter filter = build_filter(filter_options_from(vm));

	StartupSession session; // until the programs are loaded
	session.begin_tracing(o.verbose);
	const KernelFacts facts = KernelFacts::read(); // reasons' names; BTF freed
	if (!facts.kfree_skb_has_reason())
		throw RuntimeError("this kernel's skb:kfree_skb passes no drop reason (5.17 "
				   "or newer needed)");
	EventLoop loop("nettrace dropcount"); // SIGINT/SIGTERM end the loop
	bpf::Skeleton<dropcount_bpf> skel(NETTRACE_SKELETON_OPS(dropcount_bpf), "dropcount");
	skel->rodata->nettrace_filter = filter;
	session.load_and_attach(skel);
	fmt::print(stderr, "nettrace dropcount: counting drops in {}; Ctrl-C prints them\n",
		   filter.netns_ino ? fmt::format("net namespace {}", filter.netns_ino)
				    : std::string("every net namespace"));

	const bpf_map *counts = skel->maps.drops_by_reason;
	if (o.interval > 0)
		loop.every(o.interval_duration(),
			   [&] { print_counts(counts, facts.reasons, true); });
	const StopReason why = loop.run(StopAfter::from(o.limits, StopAfter::Count::Ticks));
	if (why == StopReason::Signal || why == StopReason::Duration) // not after -c intervals
		print_counts(counts, facts.reasons, o.interval > 0);
	if (skel->bss->reasons_not_counted)
		fmt::print(stderr,
			   "nettrace dropcount: {} drops not counted: more than {} distinct "
			   "reasons\n",
			   skel->bss->reasons_not_counted, DROPCOUNT_MAX_REASONS);
	return NETTRACE_EXIT_OK;
}

// What `nettrace doctor` asks: would a run work here? The program is
// loaded and attached for real, then detached with the skeleton.
void check(sdk::CheckReport &report)
{
	StartupSession session;
	if (!session.begin_check(report))
		return;
	const KernelFacts facts = KernelFacts::read();
	if (!facts.kfree_skb_has_reason())
		return report.missing("drop reasons",
				      "skb:kfree_skb passes no drop reason (5.17 or newer needed)",
				      fix::boot_kernel_with_drop_reasons);
	try {
		bpf::Skeleton<dropcount_bpf> skel(NETTRACE_SKELETON_OPS(dropcount_bpf),
						  "dropcount");
		session.load_and_attach(skel);
		report.ok("counting", "skb:kfree_skb attached");
	} catch (const std::exception &e) {
		return report.missing("counting", e.what());
	}
	preflight::drop_reasons(report, facts.reasons, facts.kfree_skb);
}

} // namespace

NETTRACE_PLUGIN_CHECKED("dropcount", "Count the packets the kernel drops, per drop reason", "1.0.0",
			run, check)
