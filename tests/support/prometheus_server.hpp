// SPDX-License-Identifier: MIT
// A prometheus server of the test's own (Debian's package): its config,
// data and log in a temporary folder, its web API on a free loopback
// port, scraping one target every second. Killed and removed by the
// destructor, whether the test passed or not.
#pragma once

#include "process.hpp"
#include "requirements.hpp"
#include "tracer_run.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace nettrace::test {

// True when the prometheus and promtool commands are installed.
bool have_prometheus();

// For a test that needs Debian's prometheus: skipped in the kernel
// matrix's guests (what Prometheus reads does not depend on the kernel;
// the counting is tested there by the other exporter tests), and
// skip-or-fail where prometheus is not installed.
#define NETTRACE_REQUIRE_PROMETHEUS()                                                              \
	do {                                                                                       \
		if (::nettrace::test::running_in_kernel_matrix())                                  \
			GTEST_SKIP() << "Prometheus's side does not depend on the kernel: run on " \
					"the host";                                                \
		if (!::nettrace::test::have_prometheus())                                          \
			NETTRACE_SKIP_OR_FAIL(                                                     \
				"prometheus and promtool are not installed (Debian "               \
				"package prometheus; scripts/bootstrap installs it)");             \
	} while (0)

class PrometheusServer {
public:
	// Scrapes 127.0.0.1:`target_port` as job "nettrace". `job_settings`
	// is YAML added to that job as it is, each line indented by four
	// spaces (scheme, tls_config, basic_auth ...).
	explicit PrometheusServer(std::uint16_t target_port, const std::string &job_settings = {});
	~PrometheusServer();
	PrometheusServer(const PrometheusServer &) = delete;
	PrometheusServer &operator=(const PrometheusServer &) = delete;

	// Waits until its /-/ready answers 200.
	bool ready(std::chrono::seconds timeout);
	// The whole answer of the instant query `promql` (the "data" object):
	// null when the query failed.
	nlohmann::json query_data(const std::string &promql);
	// The value of the instant query `promql`'s first result: nothing
	// when it has no result (yet).
	std::optional<double> query(const std::string &promql);
	// The value of `promql` once it has reached `at_least` (within
	// `timeout`) and a few more scrapes have come, so that a count still
	// growing shows; nothing when it never had a result.
	std::optional<double> settled_query(const std::string &promql, double at_least,
					    std::chrono::seconds timeout);
	// The folder its config lives in, for files the job settings name.
	const std::string &dir() const { return dir_.path; }
	std::string log() const;

private:
	TempDir dir_;
	std::uint16_t port_;
	std::string log_;
	std::unique_ptr<BackgroundProcess> process_;
};

} // namespace nettrace::test
