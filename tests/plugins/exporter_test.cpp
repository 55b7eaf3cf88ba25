// SPDX-License-Identifier: MIT
// nettrace exporter against real drops made in namespaces this test
// creates: the real binary scraped over HTTP on loopback, its exposition
// parsed, each count checked to the packet.
#include "exporter_run.hpp"
#include "http_client.hpp"
#include "netns.hpp"
#include "process.hpp"
#include "requirements.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace nettrace::test;
using namespace std::chrono_literals;

namespace {

// What udp_to_closed_port() sends: an IPv4 header, a UDP header and its
// 14-byte payload, counted from the network header on.
constexpr std::uint64_t udp_drop_bytes = 20 + 8 + 14;

std::map<std::string, std::string> udp_drops_in(const TestNetns &ns)
{
	std::map<std::string, std::string> labels = {{"protocol", "udp"},
						     {"netns", std::to_string(ns.inode())},
						     {"kind", "drop"}};
	// Before 5.17 drops carry no reason: the label is empty then.
	labels["reason"] = kernel_passes_drop_reasons() ? "NO_SOCKET" : "";
	return labels;
}

class ExporterTest : public ::testing::Test {
protected:
	void SetUp() override { NETTRACE_REQUIRE_BPF(); }

	// `drops` UDP datagrams to a closed port in `ns`, until the
	// exporter counts them all: where the tests of its HTTP side start.
	static void make_counted_drops(const ExporterRun &exporter, TestNetns &ns, int drops)
	{
		ASSERT_NE(exporter.port(), 0) << exporter.err();
		udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", own_port(), drops);
		ASSERT_EQ(exporter.settled_count("nettrace_drops_total", udp_drops_in(ns), drops),
			  drops);
	}
};

TEST_F(ExporterTest, CountsEachDropOnceWithItsReasonNamespaceAndBytes)
{
	constexpr int drops = 25;
	TestNetns ns;
	ExporterRun exporter;
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", own_port(), drops);

	const auto labels = udp_drops_in(ns);
	EXPECT_EQ(exporter.settled_count("nettrace_drops_total", labels, drops), drops);
	EXPECT_EQ(sum_samples(exporter.scrape(), "nettrace_dropped_bytes_total", labels),
		  drops * udp_drop_bytes);

	// One series: the site named by its function, the namespace by its
	// name in /run/netns, the device by its name in that namespace.
	std::string text;
	const std::vector<Sample> samples = exporter.scrape(&text);
	int series = 0;
	for (const Sample &s : samples) {
		if (s.name != "nettrace_drops_total" ||
		    s.labels.at("netns") != std::to_string(ns.inode()))
			continue;
		++series;
		EXPECT_EQ(s.labels.at("netns_name"), ns.name()) << text;
		EXPECT_EQ(s.labels.at("interface"), "lo") << text;
		const std::string &location = s.labels.at("location");
		EXPECT_NE(location.find("udp"), std::string::npos) << text;
		EXPECT_EQ(location.find('+'), std::string::npos) << text;
	}
	EXPECT_EQ(series, 1) << text;
	EXPECT_EQ(sum_samples(samples, "nettrace_attached", {{"probe", "skb:kfree_skb"}}), 1)
		<< text;
	EXPECT_EQ(sum_samples(samples, "nettrace_map_capacity", {}), 10000) << text;
	EXPECT_EQ(sum_samples(samples, "nettrace_series_dropped_total", {}), 0) << text;
	exporter.stop();
}

TEST_F(ExporterTest, NetnsFilterCountsOnlyThatNamespace)
{
	TestNetns watched, other;
	ExporterRun exporter({"--netns", watched.path()});
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	udp_to_closed_port(other, "127.0.0.1", "127.0.0.1", own_port(), 4);
	udp_to_closed_port(watched, "127.0.0.1", "127.0.0.1", own_port(), 3);

	EXPECT_EQ(exporter.settled_count("nettrace_drops_total", udp_drops_in(watched), 3), 3);
	const std::vector<Sample> samples = exporter.scrape();
	for (const Sample &s : samples) {
		if (s.name == "nettrace_drops_total") {
			EXPECT_EQ(s.labels.at("netns"), std::to_string(watched.inode()));
		}
	}
	EXPECT_EQ(sum_samples(samples, "nettrace_drops_total", udp_drops_in(other)), 0);
	exporter.stop();
}

TEST_F(ExporterTest, FullMapCountsWhatItCouldNotKeep)
{
	TestNetns ns;
	ExporterRun exporter({"--netns", ns.path(), "--max-series", "1"});
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", own_port(), 2);
	ASSERT_EQ(exporter.settled_count("nettrace_drops_total", udp_drops_in(ns), 2), 2);
	// Another series (TCP, not UDP) finds no room: each of its drops is
	// counted as not kept.
	constexpr int refused = 3;
	for (int i = 0; i < refused; ++i)
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", own_port());
	EXPECT_EQ(exporter.settled_count("nettrace_series_dropped_total", {}, refused), refused);
	const std::vector<Sample> samples = exporter.scrape();
	EXPECT_EQ(sum_samples(samples, "nettrace_map_entries", {}), 1);
	EXPECT_EQ(sum_samples(samples, "nettrace_map_capacity", {}), 1);
	EXPECT_EQ(sum_samples(samples, "nettrace_drops_total", {}), 2);
	exporter.stop();
}

TEST_F(ExporterTest, BadRequestsAreRefusedAndServingGoesOn)
{
	constexpr int drops = 6;
	TestNetns ns;
	ExporterRun exporter;
	ASSERT_NO_FATAL_FAILURE(make_counted_drops(exporter, ns, drops));

	EXPECT_EQ(http_request(exporter.port(), "POST", "/metrics", "x=1").status, 405);
	EXPECT_EQ(http_request(exporter.port(), "DELETE", "/metrics").status, 405);
	EXPECT_EQ(http_request(exporter.port(), "GET", "/nothing-here").status, 404);
	EXPECT_EQ(http_request(exporter.port(), "GET", "/").status, 404);
	const std::string garbage =
		raw_exchange(exporter.port(), std::string_view("\x01\x02\xff garbage\r\n\r\n", 16),
			     5s);
	EXPECT_TRUE(garbage.empty() || garbage.rfind("HTTP/1.1 400", 0) == 0) << garbage;
	// A request line that never ends, then the client gives up.
	raw_exchange(exporter.port(), "GET /metr", 200ms);
	const std::string huge_header = "GET /metrics HTTP/1.1\r\nX: " + std::string(100000, 'a');
	const std::string huge = raw_exchange(exporter.port(), huge_header, 5s);
	EXPECT_TRUE(huge.empty() || huge.rfind("HTTP/1.1 431", 0) == 0) << huge.substr(0, 200);

	const HttpResponse ok = http_request(exporter.port(), "GET", "/metrics");
	EXPECT_EQ(ok.status, 200);
	EXPECT_EQ(ok.content_type, "text/plain; version=0.0.4; charset=utf-8");
	EXPECT_EQ(sum_samples(parse_exposition(ok.body), "nettrace_drops_total", udp_drops_in(ns)),
		  drops);
	exporter.stop();
}

// OpenMetrics, as read by python3-prometheus-client's parser (Debian's
// /usr/bin/python3, whatever else PATH finds first): each
// family as "name type", each sample as "sample name value" with the
// netns label, one a line. Exits 1 with the parser's complaint.
constexpr const char *openmetrics_reader = R"(
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
try:
    for f in text_string_to_metric_families(sys.stdin.read()):
        print("family", f.name, f.type)
        for s in f.samples:
            print("sample", s.name, s.labels.get("netns", ""), s.value)
except Exception as e:
    print("invalid:", e)
    sys.exit(1)
)";

TEST_F(ExporterTest, AcceptHeaderChoosesOpenMetricsOrText)
{
	if (run_process({"/usr/bin/python3", "-c", "import prometheus_client.openmetrics.parser"})
		    .exit_code != 0)
		NETTRACE_SKIP_OR_FAIL("python3-prometheus-client is not installed "
				      "(scripts/bootstrap installs it)");
	constexpr int drops = 4;
	TestNetns ns;
	ExporterRun exporter;
	ASSERT_NO_FATAL_FAILURE(make_counted_drops(exporter, ns, drops));

	const auto get = [&](const std::string &accept) {
		return http_request(exporter.port(), "GET", "/metrics", {}, {{"Accept", accept}});
	};
	// What Prometheus sends: OpenMetrics first.
	const HttpResponse om = get("application/openmetrics-text;version=1.0.0,"
				    "application/openmetrics-text;version=0.0.1;q=0.75,"
				    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
	ASSERT_EQ(om.status, 200);
	EXPECT_EQ(om.content_type, "application/openmetrics-text; version=1.0.0; charset=utf-8");
	EXPECT_EQ(om.body.substr(om.body.size() - 6), "# EOF\n") << om.body;
	TempFile body;
	std::ofstream(body.path) << om.body;
	const ProcessResult parsed =
		run_process({"sh", "-c", "/usr/bin/python3 -c \"$0\" < \"$1\" 2>&1",
			     openmetrics_reader, body.path});
	ASSERT_EQ(parsed.exit_code, 0) << parsed.out << om.body;
	EXPECT_NE(parsed.out.find("family nettrace_drops counter\n"), std::string::npos)
		<< parsed.out;
	EXPECT_NE(parsed.out.find("family nettrace_dropped_bytes counter\n"), std::string::npos)
		<< parsed.out;
	EXPECT_NE(parsed.out.find("family nettrace_map_entries gauge\n"), std::string::npos)
		<< parsed.out;
	EXPECT_NE(parsed.out.find("sample nettrace_drops_total " + std::to_string(ns.inode()) +
				  " " + std::to_string(drops) + "\n"),
		  std::string::npos)
		<< parsed.out;

	// Text 0.0.4 for a client that prefers it, names no format or sends
	// no Accept header at all.
	for (const std::string accept : {"text/plain;version=0.0.4;q=1,application/"
					 "openmetrics-text;q=0.5",
					 "*/*", ""}) {
		const HttpResponse r = accept.empty()
					       ? http_request(exporter.port(), "GET", "/metrics")
					       : get(accept);
		ASSERT_EQ(r.status, 200) << accept;
		EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8") << accept;
		EXPECT_EQ(r.body.find("# EOF"), std::string::npos) << accept;
		EXPECT_NE(r.body.find("# TYPE nettrace_drops_total counter\n"), std::string::npos)
			<< accept;
		EXPECT_EQ(sum_samples(parse_exposition(r.body), "nettrace_drops_total",
				      udp_drops_in(ns)),
			  drops)
			<< accept;
	}
	exporter.stop();
}

TEST_F(ExporterTest, GzipForScrapersThatTakeIt)
{
	constexpr int drops = 6;
	TestNetns ns;
	ExporterRun exporter;
	ASSERT_NO_FATAL_FAILURE(make_counted_drops(exporter, ns, drops));

	// As Prometheus asks, and as curl --compressed does: the same counts,
	// compressed; in both formats.
	for (const std::string accept : {"", "application/openmetrics-text;version=1.0.0"}) {
		const HttpResponse gz =
			http_request(exporter.port(), "GET", "/metrics", {},
				     {{"Accept", accept}, {"Accept-Encoding", "deflate, gzip"}});
		ASSERT_EQ(gz.status, 200) << accept;
		EXPECT_EQ(gz.content_encoding, "gzip") << accept;
		EXPECT_EQ(gz.vary, "Accept, Accept-Encoding") << accept;
		const std::string text = gunzip(gz.body);
		EXPECT_LT(gz.body.size(), text.size()) << accept;
		EXPECT_EQ(sum_samples(parse_exposition(text), "nettrace_drops_total",
				      udp_drops_in(ns)),
			  drops)
			<< accept;
		EXPECT_EQ(text.find("# EOF") != std::string::npos, !accept.empty()) << accept;
	}
	// A client that does not take gzip, or refuses it, gets the text as it is.
	for (const std::string encoding : {"", "identity", "gzip;q=0"}) {
		const HttpResponse plain = http_request(exporter.port(), "GET", "/metrics", {},
							{{"Accept-Encoding", encoding}});
		ASSERT_EQ(plain.status, 200) << encoding;
		EXPECT_EQ(plain.content_encoding, "") << encoding;
		EXPECT_EQ(sum_samples(parse_exposition(plain.body), "nettrace_drops_total",
				      udp_drops_in(ns)),
			  drops)
			<< encoding;
	}
	exporter.stop();
}

TEST_F(ExporterTest, HealthyTcpIsNeverADrop)
{
	constexpr int connections = 5;
	TestNetns server, client;
	const unsigned n = static_cast<unsigned>(getpid()) % 250 + 1;
	const std::string prefix = "10.202." + std::to_string(n) + ".";
	// IPv4 only: IPv6 would add MLD reports, which a veth's peer frees
	// as drops of their own.
	server.add_veth(client, {prefix + "1/24", ""}, {prefix + "2/24", ""});
	ExporterRun exporter;
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	clean_tcp_connections(server, client, prefix + "1", own_port(), connections);
	// And as many where the server closes first (where the kernel names
	// drop reasons, which tell these).
	const bool time_wait_told = kernel_passes_drop_reasons();
	if (time_wait_told)
		clean_tcp_connections(server, client, prefix + "1", own_port() + 1, connections,
				      FirstToClose::Server);

	// Each connection ends with a queue purge (the peer's FIN) or a FIN a
	// timewait socket answered: counted, but as what it is.
	std::map<std::string, std::string> purges = {{"kind", "close_purge"}, {"protocol", "tcp"}};
	std::map<std::string, std::string> answers = {{"kind", "time_wait"}, {"protocol", "tcp"}};
	double purged = 0, answered = 0;
	for (const TestNetns *ns : {&server, &client}) {
		purges["netns"] = answers["netns"] = std::to_string(ns->inode());
		purged += sum_samples(exporter.scrape(), "nettrace_drops_total", purges);
		answered += sum_samples(exporter.scrape(), "nettrace_drops_total", answers);
	}
	std::string text;
	const std::vector<Sample> samples = exporter.scrape(&text);
	for (const TestNetns *ns : {&server, &client})
		EXPECT_EQ(sum_samples(samples, "nettrace_drops_total",
				      {{"kind", "drop"}, {"netns", std::to_string(ns->inode())}}),
			  0)
			<< text;
	EXPECT_EQ(purged, connections) << text;
	EXPECT_EQ(answered, time_wait_told ? connections : 0) << text;
	exporter.stop();
}

TEST_F(ExporterTest, SigtermEndsItCleanly)
{
	ExporterRun exporter;
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	const ProcessResult r = exporter.stop_with(SIGTERM);
	EXPECT_EQ(r.exit_code, 0) << r.err;
	EXPECT_EQ(r.out, "");
}

TEST_F(ExporterTest, BadListenValuesAreUsageErrors)
{
	expect_usage_errors(
		"exporter",
		{
			{{"--listen", "9850"}, "--listen: '9850' has no port"},
			{{"--listen", "127.0.0.1:65536"}, "port number"},
			{{"--listen", "127.0.0.1:http"}, "port number"},
			{{"--listen", "localhost:9850"}, "numeric IPv4"},
			{{"--listen", "[127.0.0.1]:9850"}, "IPv6"},
			{{"--listen", "::1:9850"}, "IPv6 address in brackets"},
			{{"--max-series", "0"}, "--max-series"},
			{{"--max-series", "1000001"}, "--max-series"},
			{{"--stale-after", "5"}, "--stale-after: '5' is not a duration"},
			{{"--stale-after", "0s"}, "--stale-after: '0s' is not a duration"},
			{{"--stale-after", "1d"}, "--stale-after: '1d' is not a duration"},
		});
}

TEST_F(ExporterTest, PortInUseIsOneLineAndExitOne)
{
	const int holder = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(a);
	ASSERT_EQ(bind(holder, reinterpret_cast<const sockaddr *>(&a), sizeof(a)), 0);
	ASSERT_EQ(listen(holder, 1), 0);
	ASSERT_EQ(getsockname(holder, reinterpret_cast<sockaddr *>(&a), &len), 0);
	const std::string where = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));

	const int links_before = count_bpf_links();
	const ProcessResult r = run_process({nettrace_binary(), "exporter", "--listen", where});
	close(holder);
	EXPECT_EQ(r.exit_code, 1) << r.err;
	EXPECT_EQ(r.out, "");
	EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
	EXPECT_EQ(r.err.rfind("nettrace exporter: cannot listen on " + where + ": ", 0), 0u)
		<< r.err;
	EXPECT_EQ(count_bpf_links(), links_before);
}

} // namespace
