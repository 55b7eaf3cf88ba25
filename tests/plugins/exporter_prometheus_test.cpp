// SPDX-License-Identifier: MIT
// nettrace exporter as Prometheus sees it: Debian's real prometheus
// server scrapes it every second on loopback, and its query API must
// give back exactly the drops this test made; promtool must find nothing
// wrong with a scrape.
#include "exporter_run.hpp"
#include "http_client.hpp"
#include "netns.hpp"
#include "process.hpp"
#include "requirements.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <thread>
#include <unistd.h>

using namespace nettrace::test;
using namespace std::chrono_literals;

namespace {

bool have_program(const char *name)
{
	return run_process({"sh", "-c", std::string("command -v ") + name}).exit_code == 0;
}

// A prometheus server of the test's own: its config, data and log in a
// temporary folder, its web API on a free loopback port. Killed and
// removed by the destructor, whether the test passed or not.
class PrometheusServer {
public:
	explicit PrometheusServer(std::uint16_t target_port)
	    : port_(free_loopback_port()), log_(dir_.path + "/log")
	{
		const std::string config = dir_.path + "/prometheus.yml";
		std::ofstream(config) << "global:\n"
					 "  scrape_interval: 1s\n"
					 "  scrape_timeout: 1s\n"
					 "  evaluation_interval: 1s\n"
					 "scrape_configs:\n"
					 "  - job_name: nettrace\n"
					 "    static_configs:\n"
					 "      - targets: ['127.0.0.1:"
				      << target_port << "']\n";
		// Its log goes to a file: a pipe nobody reads would stall it.
		process_ = std::make_unique<BackgroundProcess>(std::vector<std::string>{
			"sh", "-c",
			"exec prometheus --config.file=\"$0\" --storage.tsdb.path=\"$1\" "
			"--web.listen-address=\"$2\" > \"$3\" 2>&1",
			config, dir_.path + "/data", "127.0.0.1:" + std::to_string(port_), log_});
	}
	~PrometheusServer()
	{
		process_->signal(SIGTERM);
		process_->finish(10s);
	}

	// Waits until its /-/ready answers 200.
	bool ready(std::chrono::seconds timeout)
	{
		const auto deadline = std::chrono::steady_clock::now() + timeout;
		while (std::chrono::steady_clock::now() < deadline) {
			try {
				if (http_request(port_, "GET", "/-/ready").status == 200)
					return true;
			} catch (const std::exception &) {
				// not listening yet
			}
			std::this_thread::sleep_for(200ms);
		}
		return false;
	}
	// The value of the instant query `promql`: nothing when it has no
	// result (yet).
	std::optional<double> query(const std::string &promql)
	{
		const HttpResponse r =
			http_request(port_, "GET", "/api/v1/query?query=" + url_encode(promql));
		const auto j = nlohmann::json::parse(r.body, nullptr, false);
		if (r.status != 200 || j.is_discarded() || j["data"]["result"].empty())
			return std::nullopt;
		return std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
	}
	std::string log() const
	{
		std::ifstream in(log_);
		return std::string(std::istreambuf_iterator<char>(in), {});
	}

private:
	static std::string url_encode(const std::string &s)
	{
		std::string out;
		for (const unsigned char c : s) {
			if (std::isalnum(c) || c == '_' || c == '.' || c == '-')
				out += static_cast<char>(c);
			else
				out += fmt_hex(c);
		}
		return out;
	}
	static std::string fmt_hex(unsigned char c)
	{
		static const char digits[] = "0123456789ABCDEF";
		return {'%', digits[c >> 4], digits[c & 15]};
	}

	TempDir dir_;
	std::uint16_t port_;
	std::string log_;
	std::unique_ptr<BackgroundProcess> process_;
};

TEST(ExporterPrometheus, PrometheusQueriesGiveExactlyTheDropsMade)
{
	NETTRACE_REQUIRE_BPF();
	// What depends on the kernel is the counting, which the other tests
	// check in every guest; Prometheus reads the same text everywhere.
	if (running_in_kernel_matrix())
		GTEST_SKIP() << "Prometheus's side does not depend on the kernel: run on the host";
	if (!have_program("prometheus") || !have_program("promtool"))
		NETTRACE_SKIP_OR_FAIL("prometheus and promtool are not installed "
				      "(Debian package prometheus; scripts/bootstrap installs it)");
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
	// Scrapes come every second: wait for one after the drops, then a
	// few more, so that a count still growing would show.
	std::optional<double> value;
	const auto deadline = std::chrono::steady_clock::now() + 60s;
	while (std::chrono::steady_clock::now() < deadline) {
		value = prometheus.query("sum(nettrace_drops_total" + selector + ")");
		if (value && *value >= drops)
			break;
		std::this_thread::sleep_for(500ms);
	}
	std::this_thread::sleep_for(3s);
	value = prometheus.query("sum(nettrace_drops_total" + selector + ")");
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
