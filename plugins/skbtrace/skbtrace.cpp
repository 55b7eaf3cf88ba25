// SPDX-License-Identifier: MIT
// nettrace skbtrace: follow one packet through the kernel, from its first
// sighting that matches the filter to its end: drop, consume, transmit.
#include "skbtrace_attach.hpp"
#include "skbtrace_check.hpp"
#include "skbtrace_points.hpp"
#include "skbtrace_report.hpp"

#include <nettrace/common/bpf/event_loop.hpp>
#include <nettrace/common/cli/command_line.hpp>
#include <nettrace/common/cli/filter_options.hpp>
#include <nettrace/common/cli/option_values.hpp>
#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/common/kernel/live_symbols.hpp>
#include <nettrace/common/output/writer.hpp>
#include <nettrace/common/tool/capture_options.hpp>
#include <nettrace/common/tool/packet_filter.hpp>
#include <nettrace/common/tool/standard_options.hpp>
#include <nettrace/common/tool/startup_session.hpp>
#include <nettrace/plugin.hpp>

#include <boost/program_options.hpp>
#include <nettrace/common/output/capture_file.hpp>

#include <bpf/bpf.h>
#include <fmt/format.h>

#include <fcntl.h>
#include <optional>
#include <unistd.h>

namespace po = boost::program_options;

namespace nettrace::skbtrace {

namespace {

struct Options {
	FilterOptions filter;
	std::string points;
	std::string attach = "auto";
	std::uint64_t max_packets = SKBTRACE_DEFAULT_MAX_PACKETS;
	double idle = 0;
	bool no_stack = false;
	bool list_points = false;
	CaptureOptions capture{.file = {},
			       .snaplen = SKBTRACE_DEFAULT_SNAPLEN,
			       .max_snaplen = SKBTRACE_MAX_SNAPLEN,
			       .what = "every sighting's packet, its packet id as epb_packetid"};
	StandardOptions standard{
		.verbose_help = "say what attached where, and libbpf's messages",
		.json_help = "one JSON object per sighting, one per line",
		.count_help = "exit after N packets have ended",
	};
};

// Without every free function attached, a packet freed past every
// tracepoint is given up on after this long unseen.
constexpr double default_idle_seconds = 5;

po::options_description describe_options(Options &o)
{
	po::options_description desc("options");
	add_filter_options(desc, FilterOption::all);
	desc.add_options()(
		"points", po::value(&o.points)->value_name("GLOB,..."),
		"only these tracepoints and functions (shell globs: 'ip_*,net:*'); the ends "
		"always")("list-points", po::bool_switch(&o.list_points),
			  "list the points that take a packet on this kernel, and exit")(
		"attach", po::value(&o.attach)->value_name("MODE"),
		"auto, kprobe.multi, fentry, kprobe or tracepoint (no functions) "
		"(default auto): how kernel functions attach")(
		"max-packets", count_value(&o.max_packets)->value_name("N"),
		"follow at most N packets at once (default 256, at most 65536); more are "
		"counted")("idle", seconds_value(&o.idle)->value_name("SECONDS"),
			   "give up on a packet unseen this long (default: 5 where its free "
			   "can pass unseen, else never)");
	desc.add_options()("no-stack", po::bool_switch(&o.no_stack),
			   "do not collect drops' kernel stacks");
	o.capture.add_to(desc);
	add_standard_options(desc, o.standard,
			     standard_option::json | standard_option::limits |
				     standard_option::verbose);
	add_help_option(desc);
	return desc;
}

FunctionAttach parse_attach(const std::string &mode)
{
	return parse_choice<FunctionAttach>("--attach", mode,
					    {{"auto", FunctionAttach::Auto},
					     {"kprobe.multi", FunctionAttach::KprobeMulti},
					     {"fentry", FunctionAttach::Fentry},
					     {"kprobe", FunctionAttach::Kprobe},
					     {"tracepoint", FunctionAttach::Tracepoint}});
}

// What attached, on standard error: the last line is the ready signal.
void say_attached(const Attached &a, const TracerSettings &settings, bool verbose)
{
	const char *me = "nettrace skbtrace";
	for (const std::string &why : a.mechanisms_failed)
		fmt::print(stderr, "{}: functions not attached: {}\n", me, why);
	if (verbose)
		for (const std::string &why : a.tracepoints_not)
			fmt::print(stderr, "{}: not attached: {}\n", me, why);
	std::string functions = "no kernel function (tracepoints only)";
	if (a.functions_by) {
		functions = fmt::format("{} kernel functions by {}", a.functions,
					bpf::name(*a.functions_by));
		if (a.functions_failed)
			functions += fmt::format(" ({} refused, e.g. {})", a.functions_failed,
						 a.function_failure);
	}
	if (a.functions_by && a.copies.empty())
		fmt::print(stderr, "{}: copies not followed: {}\n", me, a.copies_not);
	else if (verbose && !a.copies_not.empty())
		fmt::print(stderr, "{}: not attached: {}\n", me, a.copies_not);
	const std::string copies =
		a.copies.empty() ? ""
				 : fmt::format(", and the copies made of them ({} functions by {})",
					       a.copies.size(), a.copies_by);
	fmt::print(stderr,
		   "{}: attached {} tracepoints and {}; following at most {} packets at once{}{}\n",
		   me, a.tracepoints.size() + 2, functions, settings.max_packets, copies,
		   a.ends_exact ? "" : "; ends that pass no tracepoint are not seen");
}

int run(const nettrace_host *, int argc, char **argv)
{
	Options o;
	const po::options_description desc = describe_options(o);
	const po::variables_map vm = parse_command_line_with_expression(argc, argv, desc);
	if (print_help_if_asked(
		    vm,
		    "usage: nettrace skbtrace [-4 | -6] [-s NET] [-d NET] [-N NET] [-p PROTO] "
		    "[-S PORT] [-D PORT] [-P PORT]\n"
		    "                         [--netns NS] [--interface NAME] [--points GLOB,...] "
		    "[--attach MODE]\n"
		    "                         [--max-packets N] [--idle SECONDS] [--no-stack] "
		    "[--json] [-v]\n"
		    "                         [-w FILE [--snaplen BYTES]] [-c N] [--duration SECONDS]\n"
		    "                         [EXPRESSION]\n"
		    "       nettrace skbtrace --list-points [--json]\n\n"
		    "Follow packets through the kernel: every tracepoint and kernel function "
		    "that\n"
		    "takes a packet it passes, in which namespace and on which device, how NAT\n"
		    "rewrote it, and its end: drop (reason, place, stack), consume or transmit.\n"
		    "A packet is followed from its first sighting that matches the filter "
		    "(EXPRESSION:\n"
		    "a pcap-filter(7) expression, as tcpdump -i any matches it, with the "
		    "options).",
		    desc))
		return NETTRACE_EXIT_OK;
	check_standard_options(vm, o.standard);
	if (o.list_points) {
		StartupSession session;
		list_points(KernelBtf(), o.standard.json);
		return NETTRACE_EXIT_OK;
	}
	if (o.max_packets > SKBTRACE_MAX_MAX_PACKETS)
		throw UsageError(fmt::format("--max-packets: {} is more than {}", o.max_packets,
					     SKBTRACE_MAX_MAX_PACKETS));

	const bool capturing = o.capture.asked(vm);
	// `-w -`: standard output is the capture; messages stay on standard
	// error, and the text or JSON goes nowhere.
	const bool capture_on_stdout = capturing && o.capture.on_stdout();

	TracerSettings settings;
	settings.snaplen = capturing ? static_cast<std::uint32_t>(o.capture.snaplen) : 0;
	settings.filter = build_packet_filter(filter_options_from(vm));
	settings.stacks = !o.no_stack;
	settings.max_packets = static_cast<std::uint32_t>(o.max_packets);
	settings.attach = parse_attach(o.attach);
	if (vm.count("points")) {
		settings.points = parse_point_globs(o.points);
		check_point_globs(KernelBtf(), settings.points);
	}

	StartupSession session;
	const KernelFacts facts = KernelFacts::read();
	// Opened before anything is attached: a path that cannot be written is
	// one line and exit 1, with nothing to tear down.
	const int capture_fd = capturing ? open_capture_output(o.capture.file) : -1;
	session.begin_tracing(o.standard.verbose);
	EventLoop loop("nettrace skbtrace");
	Tracer tracer(settings);
	session.programs_loaded();

	const int null_fd = capture_on_stdout ? open("/dev/null", O_WRONLY | O_CLOEXEC) : -1;
	OutputWriter out(capture_on_stdout ? null_fd : STDOUT_FILENO);
	LiveKernelSymbols symbols("nettrace skbtrace");
	std::optional<CaptureFile> capture;
	if (capturing)
		capture.emplace(capture_fd, settings.snaplen, "nettrace skbtrace");
	const int followed = tracer.followed_fd();
	Reporter reporter(
		out, symbols, facts.reasons, o.standard.json,
		[followed](std::uint64_t skb) { bpf_map_delete_elem(followed, &skb); },
		capture ? &*capture : nullptr);
	StopAfter stop = StopAfter::from(o.standard.limits, StopAfter::Count::Events);
	// -c counts packets that ended, not records.
	const std::uint64_t packets_wanted = std::exchange(stop.events, 0);
	loop.add_ring_buffer(tracer.ring_buffer_fd(), [&](const void *data, std::size_t size) {
		const auto &e = *static_cast<const skbtrace_event *>(data);
		const __u64 *stack = nullptr;
		std::size_t frames = 0;
		const nt_capture_head *captured = nullptr;
		if (size >= sizeof(skbtrace_end_event)) {
			const auto &end = *static_cast<const skbtrace_end_event *>(data);
			if (e.stack_bytes > 0) {
				stack = end.stack;
				frames = std::min<std::size_t>(e.stack_bytes / sizeof(__u64),
							       SKBTRACE_MAX_STACK);
			}
			captured = &end.capture;
		} else if (size >= sizeof(skbtrace_captured_event)) {
			captured = &static_cast<const skbtrace_captured_event *>(data)->capture;
		}
		reporter.record(e, stack, frames, captured, SKBTRACE_MAX_SNAPLEN);
		if (packets_wanted && reporter.packets_done() >= packets_wanted)
			loop.request_stop();
	});
	for (const volatile __u64 *lost : tracer.lost_events())
		loop.watch_lost_events(lost);
	loop.on_lost_events([&](const LostEvents &lost) {
		if (capture)
			capture->lost(lost.events);
	});
	const double idle = vm.count("idle")               ? o.idle
			    : tracer.attached().ends_exact ? 0
							   : default_idle_seconds;
	std::uint64_t overflow_said = 0;
	loop.every(std::chrono::seconds(1), [&] {
		if (idle > 0)
			reporter.sweep(std::chrono::duration_cast<std::chrono::nanoseconds>(
				std::chrono::duration<double>(idle)));
		if (const std::uint64_t n = tracer.packets_overflow(); n != overflow_said) {
			fmt::print(stderr,
				   "nettrace skbtrace: {} matching packets not followed: "
				   "--max-packets {} were followed already\n",
				   n - overflow_said, settings.max_packets);
			overflow_said = n;
		}
	});
	loop.after_batch([&] {
		out.batch_done();
		if (capture)
			capture->batch_done();
		if (out.closed() || (capture && capture->closed()))
			loop.request_stop();
	});

	say_attached(tracer.attached(), settings, o.standard.verbose);
	symbols.load();
	out.give_up_after(o.standard.limits.duration());
	if (capture)
		capture->give_up_after(o.standard.limits.duration());
	loop.run(stop);
	reporter.finish();
	if (capture)
		capture->finish();
	out.finish();
	if (null_fd >= 0)
		close(null_fd);
	if (const std::uint64_t n = tracer.packets_overflow(); n != overflow_said || n)
		fmt::print(stderr,
			   "nettrace skbtrace: {} matching packets in total not followed: "
			   "--max-packets {} were followed already\n",
			   n, settings.max_packets);
	return NETTRACE_EXIT_OK;
}

} // namespace

} // namespace nettrace::skbtrace

NETTRACE_PLUGIN_CHECKED("skbtrace",
			"Follow packets through the kernel, from first sighting to their end",
			"0.1.0", nettrace::skbtrace::run, nettrace::skbtrace::check)
