// SPDX-License-Identifier: MIT
// nettrace exporter as Prometheus sees it: Debian's real prometheus
// server scrapes it every second on loopback, and its query API must
// give back exactly the drops this test made; promtool must find nothing
// wrong with a scrape.
#include "exporter_run.hpp"
#include "http_client.hpp"
#include "netns.hpp"
#include "process.hpp"
#include "prometheus_server.hpp"
#include "requirements.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>
#include <unistd.h>

using namespace nettrace::test;
using namespace std::chrono_literals;

namespace {

TEST(ExporterPrometheus, PrometheusQueriesGiveExactlyTheDropsMade)
{
	NETTRACE_REQUIRE_BPF();
	NETTRACE_REQUIRE_PROMETHEUS();
	constexpr int drops = 17;
	TestNetns ns;
	ExporterRun exporter;
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	PrometheusServer prometheus(exporter.port());
	ASSERT_TRUE(prometheus.ready(60s)) << prometheus.log();

	const std::uint16_t port = static_cast<std::uint16_t>(30000 + getpid() % 20000);
	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", port, drops);
	const std::string reason = kernel_passes_drop_reasons() ? "NO_SOCKET" : "";
	const std::string selector = "{reason=\"" + reason + "\",netns=\"" +
				     std::to_string(ns.inode()) +
				     "\",protocol=\"udp\",kind=\"drop\"}";
	const std::optional<double> value =
		prometheus.settled_query("sum(nettrace_drops_total" + selector + ")", drops, 60s);
	ASSERT_TRUE(value.has_value()) << prometheus.log();
	EXPECT_EQ(*value, drops);
	EXPECT_EQ(prometheus.query("sum(nettrace_dropped_bytes_total" + selector + ")"),
		  drops * (20 + 8 + 14));
	// The target is up: every scrape parsed.
	EXPECT_EQ(prometheus.query("up{job=\"nettrace\"}"), 1.0) << prometheus.log();

	// promtool's lint of a scrape, as it is served.
	TempFile scrape;
	std::string text;
	exporter.scrape(&text);
	std::ofstream(scrape.path) << text;
	const ProcessResult lint =
		run_process({"sh", "-c", "promtool check metrics < \"$0\" 2>&1", scrape.path});
	EXPECT_EQ(lint.exit_code, 0) << lint.out;
	EXPECT_EQ(lint.out, "") << lint.out;
	exporter.stop();
}

} // namespace
