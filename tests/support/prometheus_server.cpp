// SPDX-License-Identifier: MIT
#include "prometheus_server.hpp"
#include "http_client.hpp"

#include <cctype>
#include <fstream>
#include <iterator>
#include <thread>

#include <signal.h>

namespace nettrace::test {

using namespace std::chrono_literals;

namespace {

std::string url_encode(const std::string &s)
{
	static const char digits[] = "0123456789ABCDEF";
	std::string out;
	for (const unsigned char c : s) {
		if (std::isalnum(c) || c == '_' || c == '.' || c == '-')
			out += static_cast<char>(c);
		else
			out += {'%', digits[c >> 4], digits[c & 15]};
	}
	return out;
}

} // namespace

bool have_prometheus()
{
	return run_process({"sh", "-c", "command -v prometheus && command -v promtool"})
		       .exit_code == 0;
}

PrometheusServer::PrometheusServer(std::uint16_t target_port, const std::string &job_settings)
    : port_(free_loopback_port()), log_(dir_.path + "/log")
{
	const std::string config = dir_.path + "/prometheus.yml";
	std::ofstream out(config);
	out << "global:\n"
	       "  scrape_interval: 1s\n"
	       "  scrape_timeout: 1s\n"
	       "  evaluation_interval: 1s\n"
	       "scrape_configs:\n"
	       "  - job_name: nettrace\n"
	       "    static_configs:\n"
	       "      - targets: ['127.0.0.1:"
	    << target_port << "']\n";
	std::string::size_type start = 0;
	while (start < job_settings.size()) {
		const auto end = job_settings.find('\n', start);
		out << "    " << job_settings.substr(start, end - start) << '\n';
		start = end == std::string::npos ? job_settings.size() : end + 1;
	}
	out.close();
	// Its log goes to a file: a pipe nobody reads would stall it.
	process_ = std::make_unique<BackgroundProcess>(std::vector<std::string>{
		"sh", "-c",
		"exec prometheus --config.file=\"$0\" --storage.tsdb.path=\"$1\" "
		"--web.listen-address=\"$2\" > \"$3\" 2>&1",
		config, dir_.path + "/data", "127.0.0.1:" + std::to_string(port_), log_});
}

PrometheusServer::~PrometheusServer()
{
	process_->signal(SIGTERM);
	process_->finish(10s);
}

bool PrometheusServer::ready(std::chrono::seconds timeout)
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

nlohmann::json PrometheusServer::query_data(const std::string &promql)
{
	const HttpResponse r =
		http_request(port_, "GET", "/api/v1/query?query=" + url_encode(promql));
	auto j = nlohmann::json::parse(r.body, nullptr, false);
	if (r.status != 200 || j.is_discarded() || !j.contains("data"))
		return nullptr;
	return j["data"];
}

std::optional<double> PrometheusServer::query(const std::string &promql)
{
	const nlohmann::json data = query_data(promql);
	if (data.is_null() || data["result"].empty())
		return std::nullopt;
	return std::stod(data["result"][0]["value"][1].get<std::string>());
}

std::optional<double> PrometheusServer::settled_query(const std::string &promql, double at_least,
						      std::chrono::seconds timeout)
{
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	while (std::chrono::steady_clock::now() < deadline) {
		const std::optional<double> value = query(promql);
		if (value && *value >= at_least)
			break;
		std::this_thread::sleep_for(500ms);
	}
	// Scrapes come every second: three more.
	std::this_thread::sleep_for(3s);
	return query(promql);
}

std::string PrometheusServer::log() const
{
	std::ifstream in(log_);
	return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace nettrace::test
