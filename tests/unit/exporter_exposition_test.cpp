// SPDX-License-Identifier: MIT
// The exporter's text: label values escaped as the exposition format
// requires, samples in the table's label order, and --listen values.
#include "exporter_listen.hpp"
#include "exporter_metrics.hpp"
#include "exporter_series.hpp"
#include "http_client.hpp"

#include <nettrace/errors.hpp>

#include <gtest/gtest.h>

#include <set>

using namespace nettrace::exporter;

TEST(ExporterExposition, LabelValuesAreEscaped)
{
	fmt::memory_buffer out;
	append_label_value(out, "a\\b\"c\nd");
	EXPECT_EQ(fmt::to_string(out), "a\\\\b\\\"c\\nd");

	Exposition e;
	e.header(Metric::Drops);
	e.sample(Metric::Drops, {"NO\"SOCKET", "f\\n", "udp", "1", "ns\nx", "eth0", "drop"},
		 std::uint64_t{3});
	const std::string text(e.text());
	EXPECT_NE(text.find("# TYPE nettrace_drops_total counter\n"), std::string::npos) << text;
	EXPECT_NE(text.find("nettrace_drops_total{reason=\"NO\\\"SOCKET\",location=\"f\\\\n\","
			    "protocol=\"udp\",netns=\"1\",netns_name=\"ns\\nx\",interface=\"eth0\","
			    "kind=\"drop\"} 3\n"),
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
	EXPECT_EQ(protocol_label(0x0800, 6), "tcp");
	EXPECT_EQ(protocol_label(0x86dd, 17), "udp");
	EXPECT_EQ(protocol_label(0x0800, 1), "icmp");
	EXPECT_EQ(protocol_label(0x86dd, 58), "ipv6-icmp");
	EXPECT_EQ(protocol_label(0x0800, 99), "ip-proto-99");
	EXPECT_EQ(protocol_label(0x0806, 0), "arp");
	EXPECT_EQ(protocol_label(0x88cc, 0), "ethertype-0x88cc");
	EXPECT_EQ(protocol_label(0, 0), "unknown");
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
