// SPDX-License-Identifier: MIT
// nettrace exporter: every drop counted in the kernel per reason, site,
// namespace, device, protocol and kind, served to Prometheus on
// GET /metrics. No record per drop leaves the kernel: a scrape reads the
// counting map.
#include "exporter.h"
#include "exporter_accept.hpp"
#include "exporter_check.hpp"
#include "exporter_duration.hpp"
#include "exporter_http.hpp"
#include "exporter_listen.hpp"
#include "exporter_metrics.hpp"
#include "exporter_points.hpp"
#include "exporter_probe.hpp"
#include "exporter_scrape.hpp"
#include "exporter_web_config.hpp"

#include <nettrace/common/bpf/event_loop.hpp>
#include <nettrace/common/cli/command_line.hpp>
#include <nettrace/common/cli/filter_options.hpp>
#include <nettrace/common/cli/option_values.hpp>
#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/common/kernel/free_kind.hpp>
#include <nettrace/common/kernel/live_symbols.hpp>
#include <nettrace/common/tool/packet_filter.hpp>
#include <nettrace/common/tool/standard_options.hpp>
#include <nettrace/common/tool/startup_session.hpp>
#include <nettrace/plugin.hpp>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <map>
#include <optional>
#include <sys/utsname.h>

namespace po = boost::program_options;

namespace nettrace::exporter {

namespace {

// The most rows --max-series allows: each costs a key and a value per
// possible CPU of locked kernel memory.
constexpr std::uint64_t max_series_limit = 1000000;

struct Options {
	StandardOptions standard;
	std::string listen{default_listen};
	std::string web_config;
	std::uint64_t max_series = EXPORTER_DEFAULT_MAX_SERIES;
	std::string stale_after = "5m";
	std::string points;
	bool list_metrics = false;
};

po::options_description describe_options(Options &o)
{
	po::options_description desc("options");
	desc.add_options()("listen", po::value(&o.listen)->value_name("ADDR:PORT"),
			   "serve GET /metrics here (default 127.0.0.1:9850; [::1]:PORT for "
			   "IPv6, port 0 for any free one)")(
		"web-config", po::value(&o.web_config)->value_name("FILE"),
		"serve over TLS and/or ask for basic authentication, as FILE says "
		"(tls_server_config, basic_auth_users: the Prometheus exporters' format)")(
		"max-series", count_value(&o.max_series)->value_name("N"),
		"rows the kernel's counting map holds (default 10000); drops of a new row "
		"beyond that are counted in nettrace_series_dropped_total; the --points "
		"map holds as many")(
		"points", po::value(&o.points)->value_name("LIST"),
		"also count packets at these probe points: input, output (the receive and "
		"transmit paths' points), or points as 'nettrace skbstat --list-probes' "
		"names them, comma separated")(
		"stale-after", po::value(&o.stale_after)->value_name("DURATION"),
		"delete the rows of a network namespace gone this long (default 5m; 30s, "
		"1h ...); counted in nettrace_series_removed_total")(
		"list-metrics", po::bool_switch(&o.list_metrics),
		"print the metrics served (name, type, labels, help) and exit");
	add_filter_options(desc, FilterOption::addresses | FilterOption::ports |
					 FilterOption::proto | FilterOption::netns |
					 FilterOption::interface);
	add_standard_options(desc, o.standard, standard_option::verbose);
	add_help_option(desc);
	return desc;
}

std::string kernel_release()
{
	utsname u{};
	return uname(&u) == 0 ? u.release : "";
}

// How the --points attached, said once at start: one line for the
// attached, and for the rest one short line, or with -v one per distinct
// reason, as skbstat says it.
void report_points(const PointProbes &points, bool verbose)
{
	std::map<std::string, int> attached;
	std::map<std::string, std::string> skipped; // reason -> points
	std::size_t not_attached = 0;
	for (const PointStatus &s : points.statuses()) {
		if (s.attached) {
			++attached[bpf::name(*s.attached)];
			continue;
		}
		++not_attached;
		std::string &names = skipped[s.why_not];
		names += names.empty() ? "" : ", ";
		names += s.point->label;
	}
	std::string summary;
	for (const auto &[mechanism, n] : attached)
		summary += fmt::format("{}{} by {}", summary.empty() ? "" : ", ", n, mechanism);
	fmt::print(stderr, "nettrace exporter: points attached: {}\n",
		   summary.empty() ? "none" : summary);
	if (not_attached == 0)
		return;
	if (!verbose) {
		fmt::print(stderr,
			   "nettrace exporter: skipped {} point{} that cannot attach here; -v says "
			   "why\n",
			   not_attached, not_attached == 1 ? "" : "s");
		return;
	}
	for (const auto &[why, names] : skipped)
		fmt::print(stderr, "nettrace exporter: skipped {}: {}\n", names, why);
}

int run(const nettrace_host *host, int argc, char **argv)
{
	Options o;
	const po::options_description desc = describe_options(o);
	const po::variables_map vm = parse_command_line_with_expression(argc, argv, desc);
	if (print_help_if_asked(
		    vm,
		    "usage: nettrace exporter [--listen ADDR:PORT] [--web-config FILE] "
		    "[--max-series N]\n"
		    "                         [--stale-after DURATION] [--points LIST] [-s NET] "
		    "[-d NET] [-N NET]\n"
		    "                         [-S PORT] [-D PORT] [-P PORT] [-p PROTO] "
		    "[--netns NS] [--interface NAME] [-v]\n"
		    "                         [EXPRESSION]\n"
		    "       nettrace exporter --list-metrics\n\n"
		    "Count every drop in the kernel and serve the counts to Prometheus.\n"
		    "EXPRESSION: a pcap-filter(7) expression, matched as tcpdump -i any matches "
		    "it,\n"
		    "with the options (AND); points that see only a socket count nothing "
		    "with one.",
		    desc))
		return NETTRACE_EXIT_OK;
	check_standard_options(vm, o.standard);
	if (o.list_metrics) {
		print_metric_table();
		return NETTRACE_EXIT_OK;
	}
	const ListenAddress listen = parse_listen(o.listen);
	const WebConfig web = o.web_config.empty() ? WebConfig{} : read_web_config(o.web_config);
	if (o.max_series > max_series_limit)
		throw UsageError(fmt::format("--max-series: {} is more than {}, the most allowed",
					     o.max_series, max_series_limit));
	const std::chrono::seconds stale_after = parse_duration("--stale-after", o.stale_after);
	std::vector<const bpf::ProbePoint *> points;
	if (vm.count("points"))
		points = bpf::points_named("--points", o.points);
	ProbeSettings settings;
	settings.filter = build_packet_filter(filter_options_from(vm));
	settings.max_series = static_cast<std::uint32_t>(o.max_series);

	StartupSession session;
	session.begin_tracing(o.standard.verbose);
	// SIGINT and SIGTERM wait for the loop from here on, and end it
	// cleanly; the server's thread, started later, inherits the mask.
	EventLoop loop("nettrace exporter");
	// Bound, and its TLS files loaded, before anything is attached: a
	// port in use or a key that does not fit ends the run with nothing
	// left behind.
	std::function<std::shared_ptr<const std::string>(ExpositionFormat, bool gzip)> metrics;
	HttpServer server(listen, web,
			  [&metrics](std::string_view accept, std::string_view accept_encoding) {
				  const ExpositionFormat format = negotiate_format(accept);
				  const bool gzip = accepts_gzip(accept_encoding);
				  return HttpServer::Reply{metrics(format, gzip),
							   content_type(format),
							   gzip ? "gzip" : ""};
			  });
	// The points' tracepoints and functions are asked about only when
	// counted: without --points nothing more is read or attached.
	const KernelFacts facts =
		points.empty() ? KernelFacts::read() : KernelFacts::read(bpf::probe_point_facts());
	settings.free_kinds = free_kind_facts(facts);
	DropProbe probe(settings, facts);
	std::optional<PointProbes> point_probes;
	if (!points.empty())
		point_probes.emplace(points, settings.filter, settings.max_series, facts);
	session.programs_loaded();
	LiveKernelSymbols symbols("nettrace exporter");
	symbols.load();
	Scraper scraper(
		probe, facts.reasons, symbols,
		{host && host->version ? host->version : "", kernel_release()}, stale_after,
		[&server] {
			return HttpRefusals{server.refused(), server.password_checks_refused()};
		},
		point_probes ? &*point_probes : nullptr);
	metrics = [&scraper](ExpositionFormat format, bool gzip) {
		return scraper.render_shared(format, gzip);
	};
	server.start();
	if (point_probes)
		report_points(*point_probes, o.standard.verbose);
	// The ready line: scripts wait for it before scraping.
	fmt::print(stderr, "nettrace exporter: serving {}://{}/metrics; drops counted by {}\n",
		   server.scheme(), server.bound().text(), bpf::name(probe.mechanism()));
	loop.run();
	server.stop();
	if (const std::uint64_t refused = server.refused())
		fmt::print(stderr,
			   "nettrace exporter: {} connection(s) closed unanswered: too many "
			   "were open\n",
			   refused);
	return NETTRACE_EXIT_OK;
}

} // namespace

} // namespace nettrace::exporter

NETTRACE_PLUGIN_CHECKED("exporter",
			"Serve drop counts to Prometheus, per reason, site and namespace", "0.1.0",
			nettrace::exporter::run, nettrace::exporter::check)
