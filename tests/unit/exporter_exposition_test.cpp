// SPDX-License-Identifier: MIT
// The exporter's text: label values escaped as the exposition format
// requires, samples in the table's label order, OpenMetrics when the
// Accept header prefers it, and --listen values.
#include "exporter_accept.hpp"
#include "exporter_cgroup.hpp"
#include "exporter_duration.hpp"
#include "exporter_listen.hpp"
#include "exporter_metrics.hpp"
#include "exporter_series.hpp"
#include "http_client.hpp"

#include <nettrace/errors.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <stdlib.h>
#include <unistd.h>

using namespace nettrace::exporter;

TEST(ExporterExposition, LabelValuesAreEscaped)
{
	std::string out;
	append_label_value(out, "a\\b\"c\nd");
	EXPECT_EQ(out, "a\\\\b\\\"c\\nd");
	out.clear();
	append_label_value(out, "plain");
	EXPECT_EQ(out, "plain");

	Exposition e;
	e.header(Metric::Drops);
	e.sample(Metric::Drops,
		 {"NO\"SOCKET", "f\\n", "udp", "1", "ns\nx", "c0ffee", "eth0", "drop"},
		 std::uint64_t{3});
	const std::string text(e.text());
	EXPECT_NE(text.find("# TYPE nettrace_drops_total counter\n"), std::string::npos) << text;
	EXPECT_NE(text.find(
			  "nettrace_drops_total{reason=\"NO\\\"SOCKET\",location=\"f\\\\n\","
			  "protocol=\"udp\",netns=\"1\",netns_name=\"ns\\nx\",container=\"c0ffee\","
			  "interface=\"eth0\",kind=\"drop\"} 3\n"),
		  std::string::npos)
		<< text;
	// What a reader of the format reads back is what was given.
	const auto samples = nettrace::test::parse_exposition(text);
	ASSERT_EQ(samples.size(), 1u);
	EXPECT_EQ(samples[0].labels.at("reason"), "NO\"SOCKET");
	EXPECT_EQ(samples[0].labels.at("location"), "f\\n");
	EXPECT_EQ(samples[0].labels.at("netns_name"), "ns\nx");
}

TEST(ExporterExposition, LabelValuesMustMatchTheTable)
{
	Exposition e;
	EXPECT_THROW(e.sample(Metric::Attached, {"only one"}, std::uint64_t{1}), std::logic_error);
}

TEST(ExporterExposition, EveryMetricIsInTheTableOnce)
{
	std::set<std::string_view> names;
	for (const MetricInfo &m : metric_table()) {
		EXPECT_TRUE(names.insert(m.name).second) << m.name;
		EXPECT_TRUE(m.type == "counter" || m.type == "gauge") << m.name;
		// Counters end in _total, as Prometheus expects.
		EXPECT_EQ(m.type == "counter",
			  m.name.size() > 6 && m.name.substr(m.name.size() - 6) == "_total")
			<< m.name;
		EXPECT_EQ(&metric_info(m.id), &m);
	}
}

TEST(ExporterExposition, ProtocolLabels)
{
	EXPECT_EQ(protocol_label(0x0800, 6).text(), "tcp");
	EXPECT_EQ(protocol_label(0x86dd, 17).text(), "udp");
	EXPECT_EQ(protocol_label(0x0800, 1).text(), "icmp");
	EXPECT_EQ(protocol_label(0x86dd, 58).text(), "ipv6-icmp");
	EXPECT_EQ(protocol_label(0x0800, 99).text(), "ip-proto-99");
	EXPECT_EQ(protocol_label(0x0806, 0).text(), "arp");
	EXPECT_EQ(protocol_label(0x88cc, 0).text(), "ethertype-0x88cc");
	EXPECT_EQ(protocol_label(0, 0).text(), "unknown");
}

TEST(ExporterListen, AcceptedForms)
{
	const ListenAddress v4 = parse_listen("127.0.0.1:9850");
	EXPECT_EQ(v4.address, "127.0.0.1");
	EXPECT_EQ(v4.port, 9850);
	const ListenAddress v6 = parse_listen("[::1]:0");
	EXPECT_EQ(v6.address, "::1");
	EXPECT_EQ(v6.port, 0);
	EXPECT_EQ(v6.text(), "[::1]:0");
	EXPECT_EQ(parse_listen(":80").address, "0.0.0.0");
	EXPECT_EQ(parse_listen(std::string(default_listen)).port, default_port);
}

TEST(ExporterListen, RefusedForms)
{
	for (const char *bad :
	     {"", "9850", ":", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:80x",
	      "localhost:80", "[::1:80", "::1:80", "[]:80", "[10.0.0.1]:80", "10.0.0.256:80"})
		EXPECT_THROW(parse_listen(bad), nettrace::UsageError) << bad;
}

TEST(ExporterExposition, OpenMetricsNamesCounterFamiliesWithoutTotalAndEnds)
{
	Exposition e(ExpositionFormat::OpenMetrics);
	e.header(Metric::Drops);
	e.sample(Metric::Drops, {"NO_SOCKET", "f", "udp", "1", "", "", "lo", "drop"},
		 std::uint64_t{3});
	e.header(Metric::MapEntries);
	e.sample(Metric::MapEntries, {}, std::uint64_t{1});
	e.finish();
	const std::string text(e.text());
	EXPECT_NE(text.find("# TYPE nettrace_drops counter\n"), std::string::npos) << text;
	EXPECT_NE(text.find("# HELP nettrace_drops Packets"), std::string::npos) << text;
	// Help text quotes are escaped, as OpenMetrics requires.
	EXPECT_NE(text.find("kind=\\\"drop\\\""), std::string::npos) << text;
	EXPECT_NE(text.find("\nnettrace_drops_total{reason=\"NO_SOCKET\""), std::string::npos)
		<< text;
	EXPECT_NE(text.find("# TYPE nettrace_map_entries gauge\n"), std::string::npos) << text;
	EXPECT_EQ(text.substr(text.size() - 6), "# EOF\n") << text;
	EXPECT_EQ(content_type(ExpositionFormat::OpenMetrics),
		  "application/openmetrics-text; version=1.0.0; charset=utf-8");

	Exposition plain;
	plain.header(Metric::Drops);
	plain.finish();
	EXPECT_EQ(std::string(plain.text()).find("EOF"), std::string::npos);
	EXPECT_NE(std::string(plain.text()).find("# TYPE nettrace_drops_total counter\n"),
		  std::string::npos);
}

TEST(ExporterAccept, GzipOnlyWhenTheClientTakesIt)
{
	EXPECT_TRUE(accepts_gzip("gzip"));                         // Prometheus
	EXPECT_TRUE(accepts_gzip("deflate, gzip;q=1.0, *;q=0.5")); // curl --compressed and the like
	EXPECT_TRUE(accepts_gzip("GZip"));
	EXPECT_TRUE(accepts_gzip("x-gzip"));
	EXPECT_TRUE(accepts_gzip("br, *"));
	EXPECT_FALSE(accepts_gzip("")); // no header: the text as it is
	EXPECT_FALSE(accepts_gzip("identity"));
	EXPECT_FALSE(accepts_gzip("deflate, br"));
	EXPECT_FALSE(accepts_gzip("gzip;q=0"));
	EXPECT_FALSE(accepts_gzip("gzip;q=0, *")); // named, refused: "*" does not bring it back
	EXPECT_FALSE(accepts_gzip("*;q=0"));
}

TEST(ExporterExposition, ASinkGetsTheTextInPiecesAndNothingIsHeld)
{
	std::string whole, pieces;
	std::size_t calls = 0;
	Exposition kept(ExpositionFormat::OpenMetrics);
	Exposition passed(ExpositionFormat::OpenMetrics, 0, [&](std::string_view piece) {
		pieces.append(piece);
		++calls;
		EXPECT_LE(piece.size(), Exposition::piece_size + 4096);
	});
	for (Exposition *e : {&kept, &passed}) {
		e->header(Metric::Drops);
		for (int i = 0; i < 2000; ++i)
			e->sample(Metric::Drops,
				  {"NO_SOCKET", "__udp4_lib_rcv", "udp", std::to_string(i), "", "",
				   "lo", "drop"},
				  std::uint64_t(i));
		e->finish();
	}
	whole = kept.take();
	EXPECT_GT(whole.size(), 2 * Exposition::piece_size);
	EXPECT_EQ(pieces, whole);
	EXPECT_GT(calls, 2u);
	EXPECT_TRUE(passed.text().empty());
}

TEST(ExporterAccept, OpenMetricsOnlyWhenPreferred)
{
	const auto om = ExpositionFormat::OpenMetrics;
	const auto text = ExpositionFormat::Text;
	// What Prometheus 2.x sends, and with OpenMetrics turned off.
	EXPECT_EQ(negotiate_format("application/openmetrics-text;version=1.0.0,application/"
				   "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;"
				   "q=0.5,*/*;q=0.1"),
		  om);
	EXPECT_EQ(negotiate_format("text/plain;version=0.0.4;q=1,*/*;q=0.1"), text);
	EXPECT_EQ(negotiate_format(""), text);
	EXPECT_EQ(negotiate_format("*/*"), text);
	EXPECT_EQ(negotiate_format("application/openmetrics-text"), om);
	EXPECT_EQ(negotiate_format("Application/OpenMetrics-Text; Version=\"1.0.0\""), om);
	EXPECT_EQ(negotiate_format("application/openmetrics-text; version=0.0.1"), om);
	// q-values: the higher wins, a tie goes to the one named outright.
	EXPECT_EQ(negotiate_format("application/openmetrics-text;q=0.3, text/plain;q=0.7"), text);
	EXPECT_EQ(negotiate_format("text/plain;q=0.3 , application/openmetrics-text;q=0.7"), om);
	EXPECT_EQ(negotiate_format("text/*;q=0.9, application/openmetrics-text;q=0.5"), text);
	EXPECT_EQ(negotiate_format("text/plain;q=0, application/openmetrics-text;q=0.1"), om);
	EXPECT_EQ(negotiate_format("application/openmetrics-text;q=0"), text);
	EXPECT_EQ(negotiate_format("application/openmetrics-text;q=bad"), text);
	// A version not served is not this format.
	EXPECT_EQ(negotiate_format("application/openmetrics-text;version=2.0.0"), text);
	EXPECT_EQ(negotiate_format(
			  "application/openmetrics-text;version=2.0.0,"
			  "application/openmetrics-text;version=1.0.0;q=0.6,text/plain;q=0.5"),
		  om);
	EXPECT_EQ(negotiate_format("application/json, text/html"), text);
	EXPECT_EQ(negotiate_format(",,;;=,"), text);
}

TEST(ExporterCgroup, ContainerIdsAsRuntimesWriteThem)
{
	const std::string id = "4f1d2c3b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3";
	const std::string other = std::string(64, 'b');
	// docker under systemd and under cgroupfs, cgroup v2 and v1 lines.
	EXPECT_EQ(container_id_from_cgroup("0::/system.slice/docker-" + id + ".scope\n"), id);
	EXPECT_EQ(container_id_from_cgroup("12:pids:/docker/" + id + "\n11:cpu:/docker/" + id +
					   "\n0::/\n"),
		  id);
	// containerd for Kubernetes, systemd driver and cgroupfs driver.
	EXPECT_EQ(container_id_from_cgroup(
			  "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
			  "0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/cri-containerd-" +
			  id + ".scope\n"),
		  id);
	EXPECT_EQ(container_id_from_cgroup(
			  "0::/kubepods/burstable/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/" + id +
			  "\n"),
		  id);
	EXPECT_EQ(container_id_from_cgroup("0::/kubepods/besteffort/pod1/" + id + "\n"), id);
	// cri-o and podman; their conmon scopes are not the container.
	EXPECT_EQ(container_id_from_cgroup("0::/kubepods.slice/kubepods-pod1.slice/crio-" + id +
					   ".scope\n"),
		  id);
	EXPECT_EQ(container_id_from_cgroup("0::/kubepods.slice/crio-conmon-" + id + ".scope\n"),
		  "");
	EXPECT_EQ(container_id_from_cgroup("0::/user.slice/user-1000.slice/user@1000.service/"
					   "user.slice/libpod-" +
					   id + ".scope/container\n"),
		  id);
	EXPECT_EQ(container_id_from_cgroup("0::/machine.slice/libpod-conmon-" + id + ".scope\n"),
		  "");
	// Nested: the innermost; the v2 line before the v1 ones.
	EXPECT_EQ(container_id_from_cgroup("0::/docker/" + other + "/docker/" + id + "\n"), id);
	EXPECT_EQ(container_id_from_cgroup("1:name=systemd:/docker/" + other + "\n0::/docker/" +
					   id + "\n"),
		  id);
	// A v1 line tells it when the v2 one does not (hybrid hosts).
	EXPECT_EQ(container_id_from_cgroup("1:name=systemd:/system.slice/docker-" + id +
					   ".scope\n0::/\n"),
		  id);
	// Not containers: the host's own cgroups, ids of the wrong length or
	// case, a bare id outside docker and kubepods, no text.
	EXPECT_EQ(container_id_from_cgroup("0::/user.slice/user-0.slice/session-1.scope\n"), "");
	EXPECT_EQ(container_id_from_cgroup("0::/system.slice/docker.service\n"), "");
	EXPECT_EQ(container_id_from_cgroup("0::/system.slice/docker-" + id.substr(1) + ".scope\n"),
		  "");
	EXPECT_EQ(container_id_from_cgroup("0::/docker/" + std::string(64, 'A') + "\n"), "");
	EXPECT_EQ(container_id_from_cgroup("0::/somewhere/" + id + "\n"), "");
	EXPECT_EQ(container_id_from_cgroup(""), "");
	EXPECT_EQ(container_id_from_cgroup("garbage"), "");
}

TEST(ExporterDuration, StaleAfterValues)
{
	using std::chrono::seconds;
	EXPECT_EQ(parse_duration("--stale-after", "30s"), seconds(30));
	EXPECT_EQ(parse_duration("--stale-after", "5m"), seconds(300));
	EXPECT_EQ(parse_duration("--stale-after", "1h"), seconds(3600));
	EXPECT_EQ(parse_duration("--stale-after", "2s"), seconds(2));
	for (const char *bad : {"", "5", "0s", "s", "-1s", "1.5m", "5 m", "5M", "1d", "5mm",
				"99999999999h", "18446744073709551617s"}) {
		try {
			parse_duration("--stale-after", bad);
			ADD_FAILURE() << bad;
		} catch (const nettrace::UsageError &e) {
			EXPECT_EQ(std::string(e.what()).rfind("--stale-after: '", 0), 0u)
				<< e.what();
		}
	}
}

namespace {

// A folder over a symbol table of two functions, with no namespaces or
// devices to name.
struct FoldFixture {
	FoldFixture()
	{
		char dir_template[] = "/tmp/nettrace-fold-XXXXXX";
		dir = mkdtemp(dir_template);
		std::FILE *f = std::fopen((dir + "/kallsyms").c_str(), "w");
		std::fputs("ffffffff81000000 T _stext\n"
			   "ffffffff81000100 T ip_rcv_core\n"
			   "ffffffff81000200 T udp_queue_rcv_one_skb\n"
			   "ffffffff81001000 T _etext\n",
			   f);
		std::fclose(f);
		symbols.emplace("test", dir + "/kallsyms");
		symbols->load();
		namespaces.emplace(std::chrono::minutes(5), dir, dir);
		folder.emplace(reasons, false, *symbols, *namespaces);
	}
	~FoldFixture()
	{
		std::remove((dir + "/kallsyms").c_str());
		rmdir(dir.c_str());
	}

	std::string dir;
	nettrace::DropReasons reasons;
	std::optional<nettrace::LiveKernelSymbols> symbols;
	std::optional<Namespaces> namespaces;
	std::optional<SeriesFolder> folder;
};

CountedRow row(std::uint64_t location, std::uint8_t l4, std::uint64_t packets)
{
	CountedRow r{};
	r.key.location = location;
	r.key.netns = 4026531840;
	r.key.l3 = 0x0800;
	r.key.l4 = l4;
	r.packets = packets;
	r.bytes = packets * 100;
	return r;
}

} // namespace

TEST(ExporterSeries, SitesOfOneFunctionFoldIntoOneSeries)
{
	FoldFixture fx;
	// Two sites in ip_rcv_core for UDP, one for TCP, one in another
	// function, given out of order as the kernel's hash gives them.
	const std::vector<CountedRow> rows = {row(0xffffffff81000210, 17, 5),
					      row(0xffffffff81000110, 17, 2),
					      row(0xffffffff81000120, 6, 7),
					      row(0xffffffff81000180, 17, 4)};
	const std::vector<Series> &series = fx.folder->fold(rows);
	ASSERT_EQ(series.size(), 3u);
	std::map<std::pair<std::string, std::string>, std::pair<std::uint64_t, std::uint64_t>> seen;
	for (const Series &s : series)
		seen[{std::string(s.labels.location),
		      std::string(protocol_label(s.labels.l3, s.labels.l4).text())}] = {s.packets,
											s.bytes};
	using Totals = std::pair<std::uint64_t, std::uint64_t>;
	EXPECT_EQ((seen[{"ip_rcv_core", "udp"}]), (Totals{6, 600}));
	EXPECT_EQ((seen[{"ip_rcv_core", "tcp"}]), (Totals{7, 700}));
	EXPECT_EQ((seen[{"udp_queue_rcv_one_skb", "udp"}]), (Totals{5, 500}));
	// In label order, so that a scrape's text is the same from one to the next.
	EXPECT_TRUE(
		std::is_sorted(series.begin(), series.end(), [](const Series &a, const Series &b) {
			return a.labels < b.labels;
		}));
	// Folded again from the same rows: the same series, not added twice.
	EXPECT_EQ(fx.folder->fold(rows).size(), 3u);
	EXPECT_EQ(fx.folder->fold(rows).front().packets, series.front().packets);
}
