// nettrace dropcount: the packets the kernel drops, counted per drop
// reason, in one network namespace or in all of them.
//
// A plugin built outside the nettrace tree, against the installed SDK
// only: copy this folder to start a new one.
#include "dropcount.h"
#include <nettrace/filter_spec.h> // the skeleton's read-only data holds a nt_filter
#include "dropcount.skel.h"

#include <nettrace/common/preflight/privileges.hpp>
#include <nettrace/common/bpf/skeleton.hpp>
#include <nettrace/common/cli/command_line.hpp>
#include <nettrace/common/kernel/drop_reasons.hpp>
#include <nettrace/common/bpf/event_loop.hpp>
#include <nettrace/common/cli/filter_options.hpp>
#include <nettrace/common/kernel/btf.hpp>
#include <nettrace/common/preflight/checks.hpp>
#include <nettrace/plugin.hpp>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <optional>
#include <vector>

namespace po = boost::program_options;
using namespace nettrace;

namespace {

struct Options {
	double interval = 0; // 0: print only at the end
	bool verbose = false;
	RunLimits limits;
};

po::options_description describe_options(Options &o)
{
	po::options_description desc("options");
	add_filter_options(desc, FilterOption::netns);
	desc.add_options()
		("interval,i", po::value(&o.interval)->value_name("SECONDS"),
		 "also print the counts every SECONDS");
	add_run_limit_options(desc, o.limits, "exit after N intervals (with -i)");
	desc.add_options()
		("verbose,v", po::bool_switch(&o.verbose), "also print libbpf's messages");
	add_help_option(desc);
	return desc;
}

struct ReasonCount {
	std::uint32_t code;
	std::uint64_t drops;
};

// Each reason's per-CPU counters, summed; most frequent first.
std::vector<ReasonCount> read_counts(const bpf_map *map)
{
	std::vector<__u64> per_cpu(static_cast<std::size_t>(libbpf_num_possible_cpus()));
	std::vector<ReasonCount> counts;
	__u32 key = 0, next = 0;
	const __u32 *prev = nullptr;
	while (bpf_map__get_next_key(map, prev, &next, sizeof(next)) == 0) {
		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), per_cpu.data(),
					 per_cpu.size() * sizeof(__u64), 0) != 0)
			continue; // not there any more
		std::uint64_t sum = 0;
		for (__u64 n : per_cpu)
			sum += n;
		counts.push_back({key, sum});
	}
	std::sort(counts.begin(), counts.end(), [](const ReasonCount &a, const ReasonCount &b) {
		return a.drops != b.drops ? a.drops > b.drops : a.code < b.code;
	});
	return counts;
}

void print_counts(const std::vector<ReasonCount> &counts, const DropReasons &reasons,
		  bool with_time)
{
	if (with_time) {
		const std::time_t now = std::time(nullptr);
		std::tm local{};
		localtime_r(&now, &local);
		fmt::print("{:02}:{:02}:{:02}\n", local.tm_hour, local.tm_min, local.tm_sec);
	}
	fmt::print("{:<32} {:>8} {:>12}\n", "REASON", "CODE", "DROPS");
	std::uint64_t total = 0;
	for (const ReasonCount &c : counts) {
		fmt::print("{:<32} {:>8} {:>12}\n", reasons.name(c.code), c.code, c.drops);
		total += c.drops;
	}
	fmt::print("{:<32} {:>8} {:>12}\n", "TOTAL", "", total);
	std::fflush(stdout);
}

int run(const nettrace_host *, int argc, char **argv)
{
	Options o;
	const po::options_description desc = describe_options(o);
	const po::variables_map vm = parse_command_line(argc, argv, desc);
	if (print_help_if_asked(vm,
				"usage: nettrace dropcount [--netns NS] [-i SECONDS] [-c N] "
				"[--duration SECONDS] [-v]\n\n"
				"Count the packets the kernel drops, per drop reason.",
				desc))
		return NETTRACE_EXIT_OK;
	check_run_limits(vm, o.limits);
	if (vm.count("interval") && !(o.interval >= 0.001))
		throw UsageError("--interval: must be at least 0.001 seconds");
	if (o.limits.count && !vm.count("interval"))
		throw UsageError("--count counts intervals: give --interval too");
	const nt_filter filter = build_filter(filter_options_from(vm));

	preflight::require_bpf_environment();
	bpf::capture_libbpf_log(o.verbose);
	// Both answers come from the kernel cache, or from one parse of the
	// kernel's BTF, freed before loading. The reason is the tracepoint's
	// third argument, there since 5.17.
	std::optional<KernelBtf> kernel(std::in_place);
	if (kernel->tracepoint_arg_count("kfree_skb").value_or(0) < 3)
		throw RuntimeError("this kernel's skb:kfree_skb passes no drop reason (5.17 "
				   "or newer needed)");
	const DropReasons reasons = DropReasons::load(*kernel);
	kernel.reset();

	EventLoop loop("nettrace dropcount"); // SIGINT/SIGTERM end the loop
	bpf::Skeleton<dropcount_bpf> skel(NETTRACE_SKELETON_OPS(dropcount_bpf), "dropcount");
	skel->rodata->nettrace_filter = filter;
	skel.load();
	skel.attach();
	fmt::print(stderr, "nettrace dropcount: counting drops in {}; Ctrl-C prints them\n",
		   filter.netns_ino ? fmt::format("net namespace {}", filter.netns_ino)
				    : std::string("every net namespace"));

	std::uint64_t intervals = 0;
	if (o.interval > 0)
		loop.every(std::chrono::duration_cast<std::chrono::nanoseconds>(
				   std::chrono::duration<double>(o.interval)),
			   [&] {
				   print_counts(read_counts(skel->maps.drops_by_reason), reasons,
						true);
				   if (o.limits.count && ++intervals >= o.limits.count)
					   loop.request_stop();
			   });
	const StopReason why = loop.run({.duration = o.limits.duration()});
	if (why != StopReason::Requested)
		print_counts(read_counts(skel->maps.drops_by_reason), reasons, o.interval > 0);
	if (skel->bss->reasons_not_counted)
		fmt::print(stderr, "nettrace dropcount: {} drops not counted: more than {} "
				   "distinct reasons\n",
			   skel->bss->reasons_not_counted, DROPCOUNT_MAX_REASONS);
	return NETTRACE_EXIT_OK;
}

// What `nettrace doctor` asks: would a run work here? The program is
// loaded and attached for real, then detached with the skeleton.
void check(sdk::CheckReport &report)
{
	if (!preflight::environment(report))
		return;
	bpf::capture_libbpf_log_for_check();
	std::optional<KernelBtf> kernel(std::in_place);
	const std::optional<int> args = kernel->tracepoint_arg_count("kfree_skb");
	const DropReasons reasons = DropReasons::load(*kernel);
	kernel.reset();
	if (args.value_or(0) < 3)
		return report.missing("drop reasons",
				      "skb:kfree_skb passes no drop reason (5.17 or newer needed)",
				      "boot a 5.17 or later kernel");
	try {
		bpf::Skeleton<dropcount_bpf> skel(NETTRACE_SKELETON_OPS(dropcount_bpf), "dropcount");
		skel.load();
		skel.attach();
		report.ok("counting", "skb:kfree_skb attached");
	} catch (const std::exception &e) {
		return report.missing("counting", e.what());
	}
	preflight::drop_reasons(report, reasons, args);
}

} // namespace

NETTRACE_PLUGIN_CHECKED("dropcount", "Count the packets the kernel drops, per drop reason",
			"1.0.0", run, check)
