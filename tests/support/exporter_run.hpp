// SPDX-License-Identifier: MIT
// nettrace exporter as the tests run it: on a free loopback port, ready
// once it says where it serves.
#pragma once

#include "http_client.hpp"
#include "tracer_run.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace nettrace::test {

class ExporterRun : public TracerRun {
public:
	explicit ExporterRun(std::vector<std::string> args = {})
	    : TracerRun(command(std::move(args)), "/metrics;", true)
	{
		std::smatch m;
		const std::string &err = this->err();
		if (std::regex_search(
			    err, m,
			    std::regex(R"(serving (https?)://127\.0\.0\.1:(\d+)/metrics)"))) {
			scheme_ = m[1].str();
			port_ = static_cast<std::uint16_t>(std::stoi(m[2].str()));
		}
	}
	// 0 when it did not say (it did not start).
	std::uint16_t port() const { return port_; }
	// "http", or "https" with TLS (--web-config); empty when it did not start.
	const std::string &scheme() const { return scheme_; }
	// GET /metrics, parsed; empty when it did not answer 200.
	std::vector<Sample> scrape(std::string *text = nullptr) const
	{
		const HttpResponse r = http_request(port_, "GET", "/metrics");
		if (text)
			*text = r.body;
		return r.status == 200 ? parse_exposition(r.body) : std::vector<Sample>{};
	}

	// Scrapes until `name` with `labels` reaches `want` (counting is
	// done by softirqs, maybe just after the send returned), then once
	// more a moment later so that a count beyond `want` shows too.
	double settled_count(const std::string &name,
			     const std::map<std::string, std::string> &labels, double want) const
	{
		using namespace std::chrono_literals;
		const auto deadline = std::chrono::steady_clock::now() + 10s;
		while (sum_samples(scrape(), name, labels) < want &&
		       std::chrono::steady_clock::now() < deadline)
			std::this_thread::sleep_for(100ms);
		std::this_thread::sleep_for(300ms);
		return sum_samples(scrape(), name, labels);
	}

private:
	static std::vector<std::string> command(std::vector<std::string> args)
	{
		args.insert(args.begin(), {"exporter", "--listen", "127.0.0.1:0"});
		return args;
	}
	std::uint16_t port_ = 0;
	std::string scheme_;
};

// A closed port of this test process's own, so that runs on the same
// machine never count each other's drops.
inline std::uint16_t own_port()
{
	return static_cast<std::uint16_t>(30000 + getpid() % 20000);
}

} // namespace nettrace::test
