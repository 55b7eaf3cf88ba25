// SPDX-License-Identifier: MIT
// nettrace exporter against clients that try to wear it out: requests
// sent a byte at a time, headers and bodies too large, garbage, more
// connections than it serves at once. Through all of it, it must keep
// counting and answering, and its memory stay bounded.
#include "exporter_run.hpp"
#include "http_client.hpp"
#include "netns.hpp"
#include "requirements.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <netinet/in.h>
#include <poll.h>
#include <regex>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace nettrace::test;
using namespace std::chrono_literals;

namespace {

// The server's limits (exporter_http.cpp), as its man page gives them.
constexpr auto request_deadline = 5s;
constexpr int max_connections = 64;

// A connected socket to the exporter on loopback; closed at the end.
class Client {
public:
	explicit Client(std::uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0))
	{
		sockaddr_in to{};
		to.sin_family = AF_INET;
		to.sin_port = htons(port);
		to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		connected_ = connect(fd_, reinterpret_cast<const sockaddr *>(&to), sizeof(to)) == 0;
	}
	~Client() { close(fd_); }
	Client(const Client &) = delete;
	Client &operator=(const Client &) = delete;
	bool connected() const { return connected_; }
	bool send_text(std::string_view s)
	{
		// Never blocks: a server that stopped reading is part of the test.
		return send(fd_, s.data(), s.size(), MSG_NOSIGNAL | MSG_DONTWAIT) ==
		       static_cast<ssize_t>(s.size());
	}
	// Says that nothing more will be sent, as a client that is done
	// does: the server ends the connection and frees its slot.
	void finish_sending() { shutdown(fd_, SHUT_WR); }
	// True once the server has closed its side (end of file or reset).
	bool closed_by_server()
	{
		pollfd p{fd_, POLLIN, 0};
		if (poll(&p, 1, 0) <= 0)
			return false;
		char c;
		return recv(fd_, &c, 1, MSG_PEEK) <= 0;
	}

private:
	int fd_;
	bool connected_ = false;
};

class ExporterHostileTest : public ::testing::Test {
protected:
	void SetUp() override { NETTRACE_REQUIRE_BPF(); }
};

std::uint16_t own_port()
{
	return static_cast<std::uint16_t>(30000 + getpid() % 20000);
}

std::map<std::string, std::string> udp_drops_in(const TestNetns &ns)
{
	return {{"reason", kernel_passes_drop_reasons() ? "NO_SOCKET" : ""},
		{"netns", std::to_string(ns.inode())},
		{"protocol", "udp"},
		{"kind", "drop"}};
}

// How long the server kept a connection that sends `request` one byte
// every `every`, never finishing it; at most `limit`.
std::chrono::steady_clock::duration kept_dripping(std::uint16_t port, std::string_view request,
						  std::chrono::milliseconds every,
						  std::chrono::seconds limit)
{
	Client c(port);
	const auto begin = std::chrono::steady_clock::now();
	std::size_t at = 0;
	while (std::chrono::steady_clock::now() - begin < limit) {
		if (c.closed_by_server() || !c.send_text(request.substr(at % request.size(), 1)))
			break;
		++at;
		std::this_thread::sleep_for(every);
	}
	return std::chrono::steady_clock::now() - begin;
}

TEST_F(ExporterHostileTest, RequestsSentTooSlowlyAreCutOffAtTheDeadline)
{
	ExporterRun exporter;
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	// Half a header, then nothing.
	auto begin = std::chrono::steady_clock::now();
	raw_exchange(exporter.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n", 20s);
	auto took = std::chrono::steady_clock::now() - begin;
	EXPECT_GE(took, request_deadline - 1s);
	EXPECT_LT(took, request_deadline + 3s);
	// A header that never ends, a byte every 300 ms: each byte is
	// progress, but the whole request has the deadline.
	took = kept_dripping(exporter.port(), "GET /metrics HTTP/1.1\r\nX-Slow: aaaaaaaaaa", 300ms,
			     20s);
	EXPECT_GE(took, request_deadline - 1s);
	EXPECT_LT(took, request_deadline + 3s);
	// A connection that has not begun a request waits longer (the idle
	// timeout): a scraper that keeps its connection between scrapes.
	Client idle(exporter.port());
	std::this_thread::sleep_for(request_deadline + 1s);
	EXPECT_FALSE(idle.closed_by_server());
	EXPECT_TRUE(
		idle.send_text("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
	EXPECT_EQ(http_request(exporter.port(), "GET", "/metrics").status, 200);
	exporter.stop();
}

TEST_F(ExporterHostileTest, OversizedAndMalformedRequestsAreAnsweredAndClosed)
{
	ExporterRun exporter;
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	const std::string huge_header =
		"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(100000, 'a') +
		"\r\n\r\n";
	const std::string header = raw_exchange(exporter.port(), huge_header, 5s);
	EXPECT_EQ(header.rfind("HTTP/1.1 431", 0), 0u) << header.substr(0, 200);
	// A body announced too large, and partly sent: answered as soon as
	// the header says so.
	const std::string huge_body = "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000"
				      "\r\n\r\n" +
				      std::string(200000, 'b');
	const std::string body = raw_exchange(exporter.port(), huge_body, 5s);
	EXPECT_EQ(body.rfind("HTTP/1.1 413", 0), 0u) << body.substr(0, 200);
	const std::string garbage =
		raw_exchange(exporter.port(), std::string_view("\x01\x02\xff garbage\r\n\r\n", 16),
			     5s);
	EXPECT_EQ(garbage.rfind("HTTP/1.1 400", 0), 0u) << garbage;
	EXPECT_EQ(http_request(exporter.port(), "GET", "/metrics").status, 200);
	exporter.stop();
}

// As many connections as the exporter keeps open at once, each made and
// still open half a second later (within the idle timeout): all of them,
// or fewer when one failed (said).
std::vector<std::unique_ptr<Client>> hold_every_connection(const ExporterRun &exporter)
{
	std::vector<std::unique_ptr<Client>> held;
	for (int i = 0; i < max_connections; ++i) {
		held.push_back(std::make_unique<Client>(exporter.port()));
		if (!held.back()->connected()) {
			ADD_FAILURE() << "connection " << i << " failed";
			held.pop_back();
			return held;
		}
	}
	std::this_thread::sleep_for(500ms);
	for (const auto &c : held)
		if (c->closed_by_server()) {
			ADD_FAILURE() << "a connection within the limit was closed";
			held.clear();
			return held;
		}
	return held;
}

TEST_F(ExporterHostileTest, ConnectionsBeyondTheLimitAreClosedAtOnce)
{
	ExporterRun exporter;
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	{
		const std::vector<std::unique_ptr<Client>> held = hold_every_connection(exporter);
		ASSERT_EQ(held.size(), static_cast<std::size_t>(max_connections));
		// ... so one more is closed unanswered, scrape or not.
		for (int i = 0; i < 3; ++i) {
			HttpResponse r;
			try {
				r = http_request(exporter.port(), "GET", "/metrics");
			} catch (const std::exception &) {
				// Refused before the request was even written.
			}
			EXPECT_EQ(r.status, 0);
		}
	}
	// Once they are gone, scrapes are served again.
	int status = 0;
	const auto deadline = std::chrono::steady_clock::now() + 5s;
	while (status != 200 && std::chrono::steady_clock::now() < deadline) {
		std::this_thread::sleep_for(100ms);
		try {
			status = http_request(exporter.port(), "GET", "/metrics").status;
		} catch (const std::exception &) {
		}
	}
	EXPECT_EQ(status, 200);
	// Said when it ends: at least the three refused above (a retry of
	// the loop may have come before the server saw all of them close).
	const ProcessResult r = exporter.stop();
	std::smatch m;
	ASSERT_TRUE(std::regex_search(r.err, m,
				      std::regex("nettrace exporter: (\\d+) connection\\(s\\) "
						 "closed unanswered: too many were open\n")))
		<< r.err;
	EXPECT_GE(std::stoi(m[1].str()), 3);
}

// Until it is closed by the server, or `limit` has passed.
bool wait_closed_by_server(Client &c, std::chrono::seconds limit)
{
	const auto deadline = std::chrono::steady_clock::now() + limit;
	while (!c.closed_by_server()) {
		if (std::chrono::steady_clock::now() > deadline)
			return false;
		std::this_thread::sleep_for(20ms);
	}
	return true;
}

TEST_F(ExporterHostileTest, RefusedConnectionsAreCountedInTheScrape)
{
	constexpr int refused = 5;
	ExporterRun exporter;
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	EXPECT_EQ(sum_samples(exporter.scrape(), "nettrace_http_connections_refused_total", {}), 0);
	std::vector<std::unique_ptr<Client>> held = hold_every_connection(exporter);
	ASSERT_EQ(held.size(), static_cast<std::size_t>(max_connections));
	// Each one more is closed by the server, and counted before that.
	for (int i = 0; i < refused; ++i) {
		Client extra(exporter.port());
		ASSERT_TRUE(extra.connected());
		ASSERT_TRUE(wait_closed_by_server(extra, 5s));
	}
	// Two slots freed, seen freed: the two scrapes below fit, however
	// soon the server lets go of the first one's connection.
	for (int i = 0; i < 2; ++i) {
		Client &done = *held[static_cast<std::size_t>(i)];
		done.finish_sending();
		ASSERT_TRUE(wait_closed_by_server(done, 5s));
	}
	std::string text;
	EXPECT_EQ(sum_samples(exporter.scrape(&text), "nettrace_http_connections_refused_total",
			      {}),
		  refused)
		<< text;
	EXPECT_NE(text.find("# TYPE nettrace_http_connections_refused_total counter\n"),
		  std::string::npos)
		<< text;
	// OpenMetrics names the family without _total; the sample keeps it.
	const HttpResponse om =
		http_request(exporter.port(), "GET", "/metrics", {},
			     {{"Accept", "application/openmetrics-text; version=1.0.0"}});
	EXPECT_EQ(om.status, 200);
	EXPECT_NE(om.body.find("# TYPE nettrace_http_connections_refused counter\n"
			       "nettrace_http_connections_refused_total " +
			       std::to_string(refused) + "\n"),
		  std::string::npos)
		<< om.body;
	held.clear();
	exporter.stop();
}

TEST_F(ExporterHostileTest, AfterAHostileCrowdItCountsAndStaysSmall)
{
	constexpr int drops = 9;
	TestNetns ns;
	ExporterRun exporter;
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	ASSERT_EQ(http_request(exporter.port(), "GET", "/metrics").status, 200);
	const long rss_before = rss_kb(exporter.pid());

	// Rounds of four times the connection limit, each with a header just
	// under the limit and a body announced as far too large, left
	// unfinished, then dropped all at once.
	const std::string almost_full =
		"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 65536\r\n"
		"X-Fill: " +
		std::string(15 * 1024, 'f') + "\r\n\r\n" + std::string(60000, 'g');
	for (int round = 0; round < 3; ++round) {
		std::vector<std::unique_ptr<Client>> crowd;
		for (int i = 0; i < 4 * max_connections; ++i) {
			crowd.push_back(std::make_unique<Client>(exporter.port()));
			crowd.back()->send_text(almost_full);
		}
		std::this_thread::sleep_for(300ms);
	}
	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", own_port(), drops);
	double counted = 0;
	const auto deadline = std::chrono::steady_clock::now() + 10s;
	while (counted < drops && std::chrono::steady_clock::now() < deadline) {
		std::this_thread::sleep_for(100ms);
		counted = sum_samples(exporter.scrape(), "nettrace_drops_total", udp_drops_in(ns));
	}
	std::this_thread::sleep_for(300ms);
	EXPECT_EQ(sum_samples(exporter.scrape(), "nettrace_drops_total", udp_drops_in(ns)), drops);
	// At most 64 connections, each holding at most a 16 KiB header, a
	// 64 KiB body and an answer (a few KiB here): about 6 MiB if all
	// were full at once; twice that leaves room for the allocator.
	const long rss_after = rss_kb(exporter.pid());
	std::printf("exporter RSS: %ld KiB before the crowd, %ld KiB after\n", rss_before,
		    rss_after);
	EXPECT_LT(rss_after - rss_before, 12 * 1024) << rss_before << " KiB before";
	exporter.stop();
}

} // namespace
