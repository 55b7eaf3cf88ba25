// SPDX-License-Identifier: MIT
// nettrace tcpdrop: TCP packets the kernel drops, with reason, drop site,
// flow, socket state and kernel stack.
#include "tcpdrop.h"
#include "tcpdrop_check.hpp"
#include "tcpdrop_report.hpp"
#include "tcpdrop_tracer.hpp"

#include <nettrace/common/bpf/event_loop.hpp>
#include <nettrace/common/bpf/skeleton.hpp>
#include <nettrace/common/cli/command_line.hpp>
#include <nettrace/common/cli/filter_options.hpp>
#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/common/kernel/live_symbols.hpp>
#include <nettrace/common/kernel/reason_list.hpp>
#include <nettrace/common/output/writer.hpp>
#include <nettrace/common/tool/standard_options.hpp>
#include <nettrace/common/tool/startup_session.hpp>
#include <nettrace/plugin.hpp>

#include <boost/program_options.hpp>
#include <fmt/format.h>

namespace po = boost::program_options;

namespace nettrace::tcpdrop {

namespace {

struct Options {
	FilterOptions filter;
	std::string reasons;
	std::string excluded_reasons;
	std::string attach = "auto";
	bool no_stack = false;
	StandardOptions standard{
		.verbose_help = "say which program variant attached, and libbpf's messages",
		.json_help = "one JSON object per drop, one per line",
		.count_help = "exit after N drops",
	};
};

po::options_description describe_options(Options &o)
{
	po::options_description desc("options");
	add_filter_options(desc, FilterOption::family | FilterOption::addresses |
					 FilterOption::ports | FilterOption::netns);
	desc.add_options()(
		"reason", po::value(&o.reasons)->value_name("NAMES"),
		"only drops with these reasons (comma-separated, e.g. NO_SOCKET,NETFILTER_DROP)")(
		"exclude-reason", po::value(&o.excluded_reasons)->value_name("NAMES"),
		"leave out drops with these reasons")(
		"attach", po::value(&o.attach)->value_name("MODE"),
		"auto, tp_btf or tracepoint (default auto): how to attach to skb:kfree_skb")(
		"no-stack", po::bool_switch(&o.no_stack), "do not collect or print kernel stacks");
	add_standard_options(desc, o.standard,
			     standard_option::json | standard_option::limits |
				     standard_option::verbose);
	add_help_option(desc);
	return desc;
}

int run(const nettrace_host *, int argc, char **argv)
{
	Options o;
	const po::options_description desc = describe_options(o);
	const po::variables_map vm = parse_command_line(argc, argv, desc);
	if (print_help_if_asked(
		    vm,
		    "usage: nettrace tcpdrop [-4 | -6] [-s NET] [-d NET] [-N NET] "
		    "[-S PORT] [-D PORT] [-P PORT]\n"
		    "                        [--netns NS] [--reason NAMES] "
		    "[--exclude-reason NAMES]\n"
		    "                        [--attach MODE] [--no-stack] [--json] [-c N] "
		    "[--duration SECONDS] [-v]\n\n"
		    "Trace TCP packets the kernel drops: reason, drop site, flow, "
		    "state and stack.",
		    desc))
		return NETTRACE_EXIT_OK;
	check_standard_options(vm, o.standard);
	// Given but empty is a mistake, not "no filter": --reason ''.
	const bool only_reasons = vm.count("reason") > 0;
	const bool except_reasons = vm.count("exclude-reason") > 0;
	if (only_reasons && except_reasons)
		throw UsageError("--reason and --exclude-reason cannot be combined");

	TracerSettings settings;
	settings.filter = build_filter(filter_options_from(vm));
	settings.stacks = !o.no_stack;
	settings.attach = parse_choice<Attach>("--attach", o.attach,
					       {{"auto", Attach::Auto},
						{"tp_btf", Attach::TpBtf},
						{"tracepoint", Attach::Tracepoint}});
	StartupSession session;
	const KernelFacts facts = KernelFacts::read();
	const DropReasons &reasons = facts.reasons;
	settings.kfree_skb = facts.kfree_skb;
	if (only_reasons) {
		settings.reason_mode = TCPDROP_REASONS_ONLY;
		settings.reason_codes = parse_reason_list(reasons, "--reason", o.reasons);
	} else if (except_reasons) {
		settings.reason_mode = TCPDROP_REASONS_EXCEPT;
		settings.reason_codes =
			parse_reason_list(reasons, "--exclude-reason", o.excluded_reasons);
	}

	session.begin_tracing(o.standard.verbose);
	// From here on SIGINT and SIGTERM wait for the loop, which ends
	// cleanly on them: one that comes while attaching must not kill the
	// process half-way.
	EventLoop loop("nettrace tcpdrop");
	if (reasons.empty())
		fmt::print(stderr, "nettrace tcpdrop: drop reasons shown as UNKNOWN_<code>: {}\n",
			   reasons.unavailable_reason());

	Tracer tracer(settings);
	session.programs_loaded();
	if (o.standard.verbose) {
		for (const auto &s : tracer.skipped())
			fmt::print(stderr, "nettrace tcpdrop: skipped {}\n", s);
		fmt::print(stderr, "nettrace tcpdrop: attached {}\n", tracer.variant());
	}

	OutputWriter out;
	LiveKernelSymbols symbols("nettrace tcpdrop"); // read once attached (below)
	Reporter reporter(out, symbols, reasons, o.standard.json);
	loop.add_ring_buffer(tracer.ring_buffer_fd(), [&](const void *data, std::size_t size) {
		const auto &e = *static_cast<const tcpdrop_event *>(data);
		const __u64 *stack = nullptr;
		std::size_t frames = 0;
		if (size >= sizeof(tcpdrop_event_with_stack) && e.stack_bytes > 0) {
			stack = static_cast<const tcpdrop_event_with_stack *>(data)->stack;
			frames = static_cast<std::size_t>(e.stack_bytes) / sizeof(__u64);
		}
		reporter.event(e, stack, frames);
		out.event_done();
	});
	loop.watch_lost_events(tracer.lost_events());
	loop.on_lost_events([&](const LostEvents &lost) { reporter.lost(lost); });
	loop.after_batch([&] {
		out.batch_done();
		if (out.closed())
			loop.request_stop();
	});

	// The header doubles as the ready signal: it appears only once the
	// program is attached. Drops from then on wait in the ring buffer
	// while the kernel's symbols are read, which takes a while.
	reporter.header();
	out.flush();
	symbols.load();
	loop.run(StopAfter::from(o.standard.limits, StopAfter::Count::Events));
	out.finish();
	return NETTRACE_EXIT_OK;
}

} // namespace

} // namespace nettrace::tcpdrop

NETTRACE_PLUGIN_CHECKED("tcpdrop",
			"Trace TCP packets the kernel drops, with reason, place and stack", "0.1.0",
			nettrace::tcpdrop::run, nettrace::tcpdrop::check)
