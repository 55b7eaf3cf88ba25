// SPDX-License-Identifier: MIT
// nettrace tcpdrop: TCP packets the kernel drops, with reason, drop site,
// flow, socket state and kernel stack.
#include "tcpdrop.h"
#include "tcpdrop_capture.hpp"
#include "tcpdrop_check.hpp"
#include "tcpdrop_report.hpp"
#include "tcpdrop_tracer.hpp"

#include <nettrace/common/bpf/event_loop.hpp>
#include <nettrace/common/bpf/skeleton.hpp>
#include <nettrace/common/cli/command_line.hpp>
#include <nettrace/common/cli/filter_options.hpp>
#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/common/kernel/free_kind.hpp>
#include <nettrace/common/kernel/live_symbols.hpp>
#include <nettrace/common/kernel/reason_list.hpp>
#include <nettrace/common/output/writer.hpp>
#include <nettrace/common/tool/capture_options.hpp>
#include <nettrace/common/tool/drop_reason_list.hpp>
#include <nettrace/common/tool/packet_filter.hpp>
#include <nettrace/common/tool/standard_options.hpp>
#include <nettrace/common/tool/startup_session.hpp>
#include <nettrace/plugin.hpp>

#include <nettrace/common/cli/option_values.hpp>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <utility>

namespace po = boost::program_options;

namespace nettrace::tcpdrop {

namespace {

struct Options {
	FilterOptions filter;
	std::string reasons;
	std::string excluded_reasons;
	std::string attach = "auto";
	bool no_stack = false;
	bool list_reasons = false;
	bool all = false;
	CaptureOptions capture{.file = {},
			       .snaplen = 256,
			       .max_snaplen = TCPDROP_MAX_SNAPLEN,
			       .what = "the dropped packets"};
	ExtraColumns columns;
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
					 FilterOption::ports | FilterOption::netns |
					 FilterOption::interface);
	desc.add_options()(
		"reason", po::value(&o.reasons)->value_name("NAMES"),
		"only drops with these reasons (comma-separated, e.g. NO_SOCKET,NETFILTER_DROP)")(
		"exclude-reason", po::value(&o.excluded_reasons)->value_name("NAMES"),
		"leave out drops with these reasons")(
		"attach", po::value(&o.attach)->value_name("MODE"),
		"auto, tp_btf or tracepoint (default auto): how to attach to skb:kfree_skb")(
		"no-stack", po::bool_switch(&o.no_stack), "do not collect or print kernel stacks");
	o.capture.add_to(desc);
	desc.add_options()(
		"all", po::bool_switch(&o.all),
		"also show frees that lose no packet (queue purges of closing sockets), marked")(
		"show-netns", po::bool_switch(&o.columns.netns),
		"text: a NETNS column, the namespace that dropped the packet")(
		"show-interface", po::bool_switch(&o.columns.device),
		"text: an INTERFACE column, the device's name");
	add_list_reasons_option(desc, o.list_reasons);
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
	const po::variables_map vm = parse_command_line_with_expression(argc, argv, desc);
	if (print_help_if_asked(
		    vm,
		    "usage: nettrace tcpdrop [-4 | -6] [-s NET] [-d NET] [-N NET] "
		    "[-S PORT] [-D PORT] [-P PORT]\n"
		    "                        [--netns NS] [--interface NAME] [--reason NAMES] "
		    "[--exclude-reason NAMES]\n"
		    "                        [--all] [--attach MODE] [--no-stack] [--show-netns] [-v]\n"
		    "                        [--show-interface] [--json] [-w FILE [--snaplen BYTES]]\n"
		    "                        [-c N] [--duration SECONDS]\n"
		    "                        [EXPRESSION]\n"
		    "       nettrace tcpdrop --list-reasons [--json]\n\n"
		    "Trace TCP packets the kernel drops: reason, drop site, flow, "
		    "state and stack.\n"
		    "Address and port options may be repeated: a drop matches any value of "
		    "each.\n"
		    "EXPRESSION: a pcap-filter(7) expression, matched as tcpdump -i any matches "
		    "it,\n"
		    "with the options (AND).",
		    desc))
		return NETTRACE_EXIT_OK;
	check_standard_options(vm, o.standard);
	// Before the privilege checks and whatever else the options say:
	// reading the names needs nothing more.
	if (o.list_reasons) {
		StartupSession session;
		print_drop_reasons(KernelFacts::read().reasons, o.standard.json);
		return NETTRACE_EXIT_OK;
	}
	// Given but empty is a mistake, not "no filter": --reason ''.
	const bool only_reasons = vm.count("reason") > 0;
	const bool except_reasons = vm.count("exclude-reason") > 0;
	if (only_reasons && except_reasons)
		throw UsageError("--reason and --exclude-reason cannot be combined");

	const bool capturing = o.capture.asked(vm);
	// `-w -`: standard output is the capture, so the text or JSON records
	// are not printed; messages stay on standard error.
	const bool capture_on_stdout = capturing && o.capture.on_stdout();

	TracerSettings settings;
	settings.filter = build_packet_filter(filter_options_from(vm));
	settings.stacks = !o.no_stack;
	settings.snaplen = capturing ? static_cast<std::uint32_t>(o.capture.snaplen) : 0;
	settings.attach = parse_choice<Attach>("--attach", o.attach,
					       {{"auto", Attach::Auto},
						{"tp_btf", Attach::TpBtf},
						{"tracepoint", Attach::Tracepoint}});
	StartupSession session;
	const KernelFacts facts = KernelFacts::read();
	const DropReasons &reasons = facts.reasons;
	settings.kfree_skb = facts.kfree_skb;
	settings.show_all_frees = o.all;
	settings.free_kinds = free_kind_facts(facts);
	if (only_reasons) {
		settings.reason_mode = TCPDROP_REASONS_ONLY;
		settings.reason_codes = parse_reason_list(reasons, "--reason", o.reasons);
	} else if (except_reasons) {
		settings.reason_mode = TCPDROP_REASONS_EXCEPT;
		settings.reason_codes =
			parse_reason_list(reasons, "--exclude-reason", o.excluded_reasons);
	}

	// Opened before anything is attached: a path that cannot be written is
	// one line and exit 1, with nothing to tear down.
	const int capture_fd = capturing ? open_capture_output(o.capture.file) : -1;

	session.begin_tracing(o.standard.verbose);
	// From here on SIGINT, SIGTERM and SIGHUP wait for the loop, which ends
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
	Reporter reporter(out, symbols, reasons, o.standard.json, o.columns);
	std::optional<CaptureWriter> capture;
	if (capturing)
		capture.emplace(capture_fd, settings.snaplen, symbols, reasons, reporter.clock());
	// Where the packet's bytes are in a record: after the fixed part and
	// the stack, when the BPF side collects them.
	const std::size_t capture_offset =
		settings.stacks ? offsetof(tcpdrop_event_with_stack_and_capture, capture)
				: offsetof(tcpdrop_event_with_capture, capture);
	StopAfter stop = StopAfter::from(o.standard.limits, StopAfter::Count::Events);
	// -c counts records shown, and a record the drop site proves to lose
	// nothing is not shown: so the count is kept here, not by the loop.
	const std::uint64_t records_wanted = std::exchange(stop.events, 0);
	std::uint64_t records_shown = 0;
	std::uint64_t frees_hidden_here = 0;
	loop.add_ring_buffer(tracer.ring_buffer_fd(), [&](const void *data, std::size_t size) {
		const auto &e = *static_cast<const tcpdrop_event *>(data);
		const FreeKind kind = settle_free_kind(e.free_kind, e.location, symbols.table());
		if (kind != FreeKind::Drop && !o.all) {
			++frees_hidden_here;
			return;
		}
		const __u64 *stack = nullptr;
		std::size_t frames = 0;
		if (settings.stacks && size >= sizeof(tcpdrop_event_with_stack) &&
		    e.stack_bytes > 0) {
			stack = static_cast<const tcpdrop_event_with_stack *>(data)->stack;
			frames = std::min<std::size_t>(static_cast<std::size_t>(e.stack_bytes) /
							       sizeof(__u64),
						       TCPDROP_MAX_STACK);
		}
		if (capture && size >= capture_offset + sizeof(tcpdrop_capture))
			capture->packet(e, kind,
					*reinterpret_cast<const tcpdrop_capture *>(
						static_cast<const char *>(data) + capture_offset));
		if (!capture_on_stdout) {
			reporter.event(e, kind, stack, frames);
			out.event_done();
		}
		if (records_wanted && ++records_shown >= records_wanted)
			loop.request_stop();
	});
	loop.watch_lost_events(tracer.lost_events());
	loop.on_lost_events([&](const LostEvents &lost) {
		if (capture)
			capture->lost(lost.events);
		if (!capture_on_stdout)
			reporter.lost(lost);
	});
	loop.after_batch([&] {
		out.batch_done();
		if (capture)
			capture->batch_done();
		if (out.closed() || (capture && capture->closed()))
			loop.request_stop();
	});

	// The header doubles as the ready signal: it appears only once the
	// program is attached. Drops from then on wait in the ring buffer
	// while the kernel's symbols are read, which takes a while.
	if (capture_on_stdout)
		fmt::print(stderr,
			   "nettrace tcpdrop: attached; writing pcapng to standard output\n");
	else
		reporter.header();
	out.flush();
	if (capture)
		capture->batch_done();
	symbols.load();
	out.give_up_after(o.standard.limits.duration());
	if (capture)
		capture->give_up_after(o.standard.limits.duration());
	loop.run(stop);
	if (capture)
		capture->finish();
	out.finish();
	// One line at the end, so that nothing left out goes unsaid.
	if (const std::uint64_t hidden = *tracer.frees_hidden() + frees_hidden_here)
		fmt::print(stderr,
			   "nettrace tcpdrop: {} {} that {} no packet {} not shown; --all shows "
			   "them\n",
			   hidden, hidden == 1 ? "free" : "frees", hidden == 1 ? "loses" : "lose",
			   hidden == 1 ? "was" : "were");
	return NETTRACE_EXIT_OK;
}

} // namespace

} // namespace nettrace::tcpdrop

NETTRACE_PLUGIN_CHECKED("tcpdrop",
			"Trace TCP packets the kernel drops, with reason, place and stack", "0.1.0",
			nettrace::tcpdrop::run, nettrace::tcpdrop::check)
