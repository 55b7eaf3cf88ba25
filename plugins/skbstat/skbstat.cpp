// SPDX-License-Identifier: MIT
// nettrace skbstat: where packets go in the kernel, counted per probe point
// and per drop or consume stack, every interval.
#include "skbstat_check.hpp"
#include "skbstat_counts.hpp"
#include "skbstat_probes.hpp"
#include "skbstat_report.hpp"

#include <nettrace/common/bpf/event_loop.hpp>
#include <nettrace/common/bpf/skeleton.hpp>
#include <nettrace/common/cli/command_line.hpp>
#include <nettrace/common/cli/filter_options.hpp>
#include <nettrace/common/cli/option_values.hpp>
#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/common/kernel/free_kind.hpp>
#include <nettrace/common/kernel/live_symbols.hpp>
#include <nettrace/common/output/clock.hpp>
#include <nettrace/common/output/lost_events.hpp>
#include <nettrace/common/output/writer.hpp>
#include <nettrace/common/tool/drop_reason_list.hpp>
#include <nettrace/common/tool/packet_filter.hpp>
#include <nettrace/common/tool/standard_options.hpp>
#include <nettrace/common/tool/startup_session.hpp>
#include <nettrace/plugin.hpp>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <chrono>
#include <map>

namespace po = boost::program_options;

namespace nettrace::skbstat {

namespace {

struct Options {
	StandardOptions standard{
		.interval = 1.0,
		.json_help = "one JSON object per interval",
		.count_help = "exit after N intervals",
		.interval_help = "print counts every SECONDS (fractions allowed; default 1)",
	};
	bool input = false, output = false, consume = false;
	bool no_drop = false, no_drop_old = false;
	bool no_stack = false;
	std::uint64_t stack_storage = SKBSTAT_MAX_STACKS;
	std::string attach = "auto";
	bool list_probes = false;
	bool list_reasons = false;
};

po::options_description describe_options(Options &o)
{
	po::options_description desc("options");
	add_standard_options(desc, o.standard, standard_option::interval);
	add_filter_options(desc, FilterOption::addresses | FilterOption::ports |
					 FilterOption::proto | FilterOption::netns |
					 FilterOption::interface);
	desc.add_options()("input", po::bool_switch(&o.input), "count packets on the receive path")(
		"output", po::bool_switch(&o.output), "count packets on the transmit path")(
		"consume", po::bool_switch(&o.consume), "count consume_skb stacks")(
		"no-drop", po::bool_switch(&o.no_drop), "do not count drop stacks")(
		"no_drop", po::bool_switch(&o.no_drop_old), "the same as --no-drop")(
		"no-stack", po::bool_switch(&o.no_stack),
		"count drops and consumes per reason and site, without stacks")(
		"stack-storage-size", count_value(&o.stack_storage)->value_name("N"),
		"distinct stacks kept per interval (default 4096, at most 65536)")(
		"attach", po::value(&o.attach)->value_name("MODE"),
		"auto, fentry, kprobe, tp_btf or tracepoint (default auto): fentry "
		"and kprobe for function points, tp_btf and tracepoint for tracepoint "
		"points, drops and consumes")(
		"list-probes", po::bool_switch(&o.list_probes),
		"show how each probe point would attach here, and exit");
	add_list_reasons_option(desc, o.list_reasons);
	add_standard_options(desc, o.standard,
			     standard_option::json | standard_option::limits |
				     standard_option::verbose);
	add_help_option(desc);
	return desc;
}

// What attached and what did not, said once at start: one line for the
// attached; for the rest one short line, or with -v one per distinct
// reason, since the reasons name every point and fill a screen.
void report_attachment(const Probes &probes, bool verbose)
{
	std::map<std::string, int> attached;
	std::map<std::string, std::string> skipped; // reason -> points
	for (const PointStatus &s : probes.statuses()) {
		if (s.attached) {
			++attached[bpf::name(*s.attached)];
		} else {
			std::string &points = skipped[s.why_not];
			points += points.empty() ? "" : ", ";
			points += s.point->label;
		}
	}
	std::string summary;
	for (const auto &[mechanism, n] : attached)
		summary += fmt::format("{}{} by {}", summary.empty() ? "" : ", ", n, mechanism);
	if (!probes.drop_probe().empty())
		summary += fmt::format("{}drops by {}", summary.empty() ? "" : ", ",
				       probes.drop_probe());
	if (!probes.consume_probe().empty())
		summary += fmt::format("{}consumes by {}", summary.empty() ? "" : ", ",
				       probes.consume_probe());
	fmt::print(stderr, "nettrace skbstat: attached {}\n",
		   summary.empty() ? "nothing" : summary);
	if (skipped.empty())
		return;
	if (!verbose) {
		size_t n = 0;
		for (const PointStatus &s : probes.statuses())
			n += !s.attached;
		fmt::print(stderr,
			   "nettrace skbstat: skipped {} point{} that cannot attach here; -v says "
			   "why\n",
			   n, n == 1 ? "" : "s");
		return;
	}
	for (const auto &[why, points] : skipped)
		fmt::print(stderr, "nettrace skbstat: skipped {}: {}\n", points, why);
}

// Where each interval begins and ends: the end of one is the start of the
// next, and lengths come from the monotonic clock.
class IntervalClock {
public:
	IntervalClock() : start_wall_(wall_clock_ns()), start_(std::chrono::steady_clock::now()) {}
	IntervalTimes next()
	{
		const auto now = std::chrono::steady_clock::now();
		IntervalTimes t;
		t.start_ns = start_wall_;
		t.length_ns =
			std::chrono::duration_cast<std::chrono::nanoseconds>(now - start_).count();
		t.end_ns = wall_clock_ns();
		start_wall_ = t.end_ns;
		start_ = now;
		return t;
	}

private:
	std::int64_t start_wall_;
	std::chrono::steady_clock::time_point start_;
};

void list_probes(const Probes &probes)
{
	fmt::print("{:<28} {:<8} {:<11} {}\n", "POINT", "SECTION", "MECHANISM", "STATUS");
	for (const PointStatus &s : probes.statuses())
		fmt::print("{:<28} {:<8} {:<11} {}\n", s.point->label,
			   s.point->section == Section::Ingress ? "ingress" : "egress",
			   s.attached ? bpf::name(*s.attached) : "-",
			   s.attached ? "available" : "unavailable: " + s.why_not);
	// Both attached, by one mechanism, or the command failed before this.
	const char *stacks =
		probes.stacks_mechanism() ? bpf::name(*probes.stacks_mechanism()) : "-";
	fmt::print("{:<28} {:<8} {:<11} {}\n", "skb:consume_skb", "consume", stacks,
		   probes.consume_probe().empty() ? "unavailable" : "available");
	fmt::print("{:<28} {:<8} {:<11} {}\n", "skb:kfree_skb", "drop", stacks,
		   probes.drop_probe().empty() ? "unavailable" : "available");
}

int run(const nettrace_host *, int argc, char **argv)
{
	Options o;
	const po::options_description desc = describe_options(o);
	const po::variables_map vm = parse_command_line_with_expression(argc, argv, desc);
	if (print_help_if_asked(
		    vm,
		    "usage: nettrace skbstat [-i SECONDS] [-s NET] [-d NET] [-N NET] "
		    "[-S PORT] [-D PORT] [-P PORT] [-p PROTO]\n"
		    "                        [--input] [--output] [--consume] [--no-drop] "
		    "[--no-stack]\n"
		    "                        [--stack-storage-size N] [--netns NS] [--interface NAME] [--attach MODE] "
		    "[--json]\n"
		    "                        [-c N] [--duration SECONDS] [-v] [EXPRESSION]\n"
		    "       nettrace skbstat --list-probes [--attach MODE]\n"
		    "       nettrace skbstat --list-reasons [--json]\n\n"
		    "Count where packets go in the kernel, per function and per drop "
		    "stack.\n"
		    "EXPRESSION: a pcap-filter(7) expression, matched as tcpdump -i any matches "
		    "it,\n"
		    "with the options (AND); points that see only a socket count nothing "
		    "with one.",
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

	ProbeSettings settings;
	settings.filter = build_packet_filter(filter_options_from(vm));
	settings.mode = parse_choice<AttachMode>("--attach", o.attach,
						 {{"auto", AttachMode::Auto},
						  {"fentry", AttachMode::Fentry},
						  {"kprobe", AttachMode::Kprobe},
						  {"tp_btf", AttachMode::TpBtf},
						  {"tracepoint", AttachMode::Tracepoint}});
	settings.ingress = o.input || o.list_probes;
	settings.egress = o.output || o.list_probes;
	settings.consume = o.consume || o.list_probes;
	settings.drop = !(o.no_drop || o.no_drop_old) || o.list_probes;
	settings.stacks = !o.no_stack;
	if (o.stack_storage > SKBSTAT_STACK_STORAGE_LIMIT)
		throw UsageError(fmt::format("--stack-storage-size: {} is more than {}, the most "
					     "allowed",
					     o.stack_storage, SKBSTAT_STACK_STORAGE_LIMIT));
	settings.stack_storage = static_cast<__u32>(o.stack_storage);
	if (!settings.ingress && !settings.egress && !settings.consume && !settings.drop)
		throw UsageError("--no-drop leaves nothing to count: add --input, --output or "
				 "--consume");

	StartupSession session;
	session.begin_tracing(o.standard.verbose);
	// From here on SIGINT, SIGTERM and SIGHUP wait for the loop, which ends
	// cleanly on them: one that comes while attaching must not kill the
	// process half-way.
	EventLoop loop("nettrace skbstat");
	const KernelFacts facts = KernelFacts::read(facts_wanted());
	settings.free_kinds = free_kind_facts(facts);
	Probes probes(settings, facts);
	session.programs_loaded();
	if (o.list_probes) {
		list_probes(probes);
		return NETTRACE_EXIT_OK;
	}
	// TCP clears a received packet's device (tcp_v4_rcv) and frees it
	// with no socket on it: nothing is left to tell its namespace, so
	// --netns cannot see those consumes. Said before anything is counted,
	// so that an empty CONSUME block is not read as "nothing consumed".
	if (settings.consume && settings.filter.netns_ino)
		fmt::print(stderr, "nettrace skbstat: with --netns, the CONSUME rows miss TCP "
				   "packets: TCP frees what it received with neither a device "
				   "nor a socket to tell their namespace\n");
	// The "attached" line is the ready signal; counting has begun, and
	// the symbols are needed only for the first interval's stacks.
	report_attachment(probes, o.standard.verbose);
	// Counting began as the programs attached: the first interval's start.
	IntervalClock clock;
	LiveKernelSymbols symbols("nettrace skbstat");
	symbols.load();

	OutputWriter out;
	Reporter reporter(out, symbols, facts.reasons,
			  probes.drop_reasons() ? DropReasonsPassed::Yes : DropReasonsPassed::No,
			  {settings.ingress, settings.egress, settings.consume, settings.drop},
			  {o.standard.json, settings.stacks});
	IntervalReader reader(probes.counter_maps());
	// Events no row could count: said per interval where there were
	// some, on standard error and, with --json, in the stream.
	std::uint64_t lost_total = 0;
	auto show_interval = [&] {
		// The interval ends as collect() switches the counters over.
		const IntervalTimes times = clock.next();
		const IntervalCounts counts = reader.collect();
		const std::int64_t now = times.end_ns;
		reporter.interval(counts, times);
		if (counts.rows_not_counted == 0)
			return;
		lost_total += counts.rows_not_counted;
		fmt::print(stderr, "nettrace skbstat: {} events lost ({})\n",
			   counts.rows_not_counted, loss_cause_text(LossCause::RowTableFull));
		reporter.lost({LossCause::RowTableFull, counts.rows_not_counted, lost_total}, now);
	};
	loop.every(o.standard.interval_duration(), [&] {
		show_interval();
		if (out.closed())
			loop.request_stop();
	});
	out.give_up_after(o.standard.limits.duration());
	const StopReason why =
		loop.run(StopAfter::from(o.standard.limits, StopAfter::Count::Ticks));
	// A signal or --duration ends a partial interval: it is shown too.
	if (why == StopReason::Signal || why == StopReason::Duration)
		show_interval();
	if (lost_total > 0)
		fmt::print(stderr, "nettrace skbstat: {} events lost in total ({})\n", lost_total,
			   loss_cause_text(LossCause::RowTableFull));
	out.finish();
	return NETTRACE_EXIT_OK;
}

} // namespace

} // namespace nettrace::skbstat

NETTRACE_PLUGIN_CHECKED("skbstat",
			"Count where packets go in the kernel, per function and drop stack",
			"0.1.0", nettrace::skbstat::run, nettrace::skbstat::check)
