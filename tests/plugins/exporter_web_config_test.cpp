// SPDX-License-Identifier: MIT
// nettrace exporter with --web-config: TLS and basic authentication as
// the Prometheus exporters configure them. Certificates are made with
// openssl and hashes with htpasswd for each test; Debian's real
// prometheus scrapes over TLS with a password, and the exporter's
// answers to clients without the right credentials are checked.
#include "exporter_run.hpp"
#include "http_client.hpp"
#include "https_client.hpp"
#include "netns.hpp"
#include "password_flood.hpp"
#include "process.hpp"
#include "prometheus_server.hpp"
#include "requirements.hpp"
#include "tracer_run.hpp"
#include "traffic.hpp"
#include "web_config_files.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <thread>
#include <unistd.h>

using namespace nettrace::test;
using namespace std::chrono_literals;

namespace {

const std::string user = "scraper";
const std::string password = "s3cret pass";

class ExporterWebConfigTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		NETTRACE_REQUIRE_BPF();
		if (!have_web_config_tools())
			NETTRACE_SKIP_OR_FAIL("openssl and htpasswd are not installed (Debian "
					      "packages openssl, apache2-utils)");
		files_.emplace();
	}

	// A web config of the server's certificate and `user`'s password.
	std::string tls_and_auth(const std::string &extra_tls = {})
	{
		return files_->write("web.yml", "tls_server_config:\n"
						"  cert_file: server.crt\n"
						"  key_file: server.key\n" +
							extra_tls +
							"basic_auth_users:\n"
							"  " +
							user + ": " +
							WebConfigFiles::bcrypt(user, password) +
							"\n");
	}
	HttpsOptions with_password() const { return {files_->ca(), user, password, "", ""}; }

	std::optional<WebConfigFiles> files_;
};

std::map<std::string, std::string> udp_drops_in(const TestNetns &ns)
{
	return {{"reason", kernel_passes_drop_reasons() ? "NO_SOCKET" : ""},
		{"netns", std::to_string(ns.inode())},
		{"protocol", "udp"},
		{"kind", "drop"}};
}

std::uint16_t own_port()
{
	return static_cast<std::uint16_t>(30000 + getpid() % 20000);
}

TEST_F(ExporterWebConfigTest, PrometheusScrapesOverTlsWithAPassword)
{
	NETTRACE_REQUIRE_PROMETHEUS();
	constexpr int drops = 13;
	TestNetns ns;
	ExporterRun exporter({"--web-config", tls_and_auth()});
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	EXPECT_EQ(exporter.scheme(), "https");
	PrometheusServer prometheus(exporter.port(), "scheme: https\n"
						     "tls_config:\n"
						     "  ca_file: " +
							     files_->ca() +
							     "\n"
							     "basic_auth:\n"
							     "  username: " +
							     user +
							     "\n"
							     "  password: '" +
							     password + "'\n");
	ASSERT_TRUE(prometheus.ready(60s)) << prometheus.log();

	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", own_port(), drops);
	const std::string selector = "{reason=\"" + udp_drops_in(ns)["reason"] + "\",netns=\"" +
				     std::to_string(ns.inode()) +
				     "\",protocol=\"udp\",kind=\"drop\"}";
	const std::optional<double> value =
		prometheus.settled_query("sum(nettrace_drops_total" + selector + ")", drops, 60s);
	ASSERT_TRUE(value.has_value()) << prometheus.log();
	EXPECT_EQ(*value, drops);
	EXPECT_EQ(prometheus.query("up{job=\"nettrace\"}"), 1.0) << prometheus.log();
	exporter.stop();
}

TEST_F(ExporterWebConfigTest, WithoutTheRightPasswordItIs401)
{
	ExporterRun exporter({"--web-config", tls_and_auth()});
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	HttpsOptions wrong = with_password();
	wrong.password = "not it";
	HttpsOptions stranger = with_password();
	stranger.user = "someone";
	HttpsOptions none = with_password();
	none.user.clear();
	for (const HttpsOptions *o : {&wrong, &stranger, &none}) {
		const HttpResponse r = https_get(exporter.port(), "/metrics", *o);
		EXPECT_EQ(r.status, 401) << o->user;
		EXPECT_EQ(r.www_authenticate, "Basic realm=\"nettrace\"");
		EXPECT_EQ(r.body.find("nettrace_drops_total"), std::string::npos);
	}
	// The right one, twice: the second is answered from what the first
	// proved.
	for (int i = 0; i < 2; ++i) {
		const HttpResponse ok = https_get(exporter.port(), "/metrics", with_password());
		EXPECT_EQ(ok.status, 200);
		EXPECT_NE(ok.body.find("nettrace_build_info"), std::string::npos);
	}
	// Credentials are asked for before anything else is said.
	EXPECT_EQ(https_get(exporter.port(), "/other", wrong).status, 401);
	EXPECT_EQ(https_get(exporter.port(), "/other", with_password()).status, 404);
	exporter.stop();
}

// bcrypt at cost 12 takes a few hundred milliseconds a check: a scraper
// pays that once, later scrapes with the same header are answered from
// what the first proved.
TEST_F(ExporterWebConfigTest, APasswordThatPassedIsNotCheckedAgain)
{
	const std::string config =
		files_->write("web.yml", "basic_auth_users:\n  " + user + ": " +
						 WebConfigFiles::bcrypt(user, password, 12) + "\n");
	ExporterRun exporter({"--web-config", config});
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	const std::string request = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
				    "Authorization: Basic c2NyYXBlcjpzM2NyZXQgcGFzcw==\r\n\r\n";
	const auto timed = [&] {
		const auto begin = std::chrono::steady_clock::now();
		EXPECT_EQ(raw_exchange(exporter.port(), request, 10s).rfind("HTTP/1.1 200", 0), 0u);
		return std::chrono::steady_clock::now() - begin;
	};
	const auto first = timed();
	std::chrono::steady_clock::duration next{};
	constexpr int again = 5;
	for (int i = 0; i < again; ++i)
		next += timed();
	// Checked each time, the five would take five times the first.
	EXPECT_LT(next, first) << std::chrono::duration<double>(first).count() << " s first, "
			       << std::chrono::duration<double>(next).count() << " s the next "
			       << again;
	exporter.stop();
}

// bcrypt runs beside the server, not on its thread: while clients send
// wrong passwords as fast as they are answered, each costing a bcrypt at
// cost 12, a scraper whose password passed before is answered every
// time. Only a few checks wait at once; the others are told at once to
// come back (503), without bcrypt.
TEST_F(ExporterWebConfigTest, AFloodOfWrongPasswordsDoesNotHoldUpScrapes)
{
	constexpr int flooders = 24;
	constexpr int scrapes = 10;
	const std::string config =
		files_->write("web.yml", "basic_auth_users:\n  " + user + ": " +
						 WebConfigFiles::bcrypt(user, password, 12) + "\n");
	ExporterRun exporter({"--web-config", config});
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	// "scraper:s3cret pass", checked once and remembered.
	const std::string scrape = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
				   "Authorization: Basic c2NyYXBlcjpzM2NyZXQgcGFzcw==\r\n\r\n";
	const auto status_line = [&](const std::string &request) {
		// Prometheus's default scrape timeout: an answer later than
		// that is none to it.
		const std::string answer = raw_exchange(exporter.port(), request, 10s);
		return answer.substr(0, answer.find("\r\n"));
	};
	ASSERT_EQ(status_line(scrape), "HTTP/1.1 200 OK");

	// "scraper:not it" and "nobody:whatever": a wrong password and an
	// unknown user, each checked by bcrypt.
	std::vector<std::string> wrong;
	for (int i = 0; i < flooders; ++i)
		wrong.push_back(i % 2 ? "Basic c2NyYXBlcjpub3QgaXQ="
				      : "Basic bm9ib2R5OndoYXRldmVy");
	PasswordFlood flood(exporter.port(), wrong);
	const PasswordFlood::Counts &seen = flood.counts();
	// Under way once some were checked and some turned away.
	const auto deadline = std::chrono::steady_clock::now() + 30s;
	while ((seen.unauthorized == 0 || seen.busy == 0) &&
	       std::chrono::steady_clock::now() < deadline)
		std::this_thread::sleep_for(50ms);
	ASSERT_GT(seen.unauthorized, 0);
	ASSERT_GT(seen.busy, 0) << "no request was turned away: checks are not bounded";

	int answered = 0;
	for (int i = 0; i < scrapes; ++i) {
		const std::string got = status_line(scrape);
		EXPECT_EQ(got, "HTTP/1.1 200 OK") << "scrape " << i;
		answered += got == "HTTP/1.1 200 OK";
		std::this_thread::sleep_for(100ms);
	}
	EXPECT_EQ(answered, scrapes);
	const int checked_during = seen.unauthorized;
	flood.stop();
	EXPECT_EQ(seen.other, 0);
	EXPECT_EQ(seen.busy_without_retry_after, 0);
	EXPECT_GT(seen.unauthorized, 0);
	std::printf("flood: %d answered 401, %d answered 503 (%d 401 by the end of the "
		    "scrapes)\n",
		    seen.unauthorized.load(), seen.busy.load(), checked_during);

	// Checks still pass once the flood is over: the scheme's name in
	// capitals is another header, checked anew.
	std::string capitals = scrape;
	capitals.replace(capitals.find("Basic"), 5, "BASIC");
	EXPECT_EQ(status_line(capitals), "HTTP/1.1 200 OK");
	// Every 503 is counted (and a flooder cut off by its stop may have
	// been sent one more than it read).
	const HttpResponse metrics =
		http_request(exporter.port(), "GET", "/metrics", {},
			     {{"Authorization", "Basic c2NyYXBlcjpzM2NyZXQgcGFzcw=="}});
	ASSERT_EQ(metrics.status, 200);
	const double refused = sum_samples(parse_exposition(metrics.body),
					   "nettrace_http_password_checks_refused_total", {});
	EXPECT_GE(refused, seen.busy.load());
	EXPECT_LE(refused, seen.busy.load() + flooders);
	exporter.stop();
}

TEST_F(ExporterWebConfigTest, PasswordWithoutTlsIsAskedForToo)
{
	const std::string config =
		files_->write("web.yml", "basic_auth_users:\n  " + user + ": " +
						 WebConfigFiles::bcrypt(user, password) + "\n");
	ExporterRun exporter({"--web-config", config});
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	EXPECT_EQ(exporter.scheme(), "http");
	const HttpResponse r = http_request(exporter.port(), "GET", "/metrics");
	EXPECT_EQ(r.status, 401);
	EXPECT_EQ(r.www_authenticate, "Basic realm=\"nettrace\"");
	// "scraper:s3cret pass", and the same with the last letter changed.
	const std::string right = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
				  "Authorization: Basic c2NyYXBlcjpzM2NyZXQgcGFzcw==\r\n\r\n";
	std::string wrong = right;
	wrong[wrong.find("cw==")] = 'd';
	EXPECT_EQ(raw_exchange(exporter.port(), right, 5s).rfind("HTTP/1.1 200", 0), 0u);
	EXPECT_EQ(raw_exchange(exporter.port(), wrong, 5s).rfind("HTTP/1.1 401", 0), 0u);
	exporter.stop();
}

// RFC 7617's credentials are base64 with its padding and nothing else:
// what a forgiving decoder would still read as the right password is
// refused, and so is a password that is right only up to a NUL.
TEST_F(ExporterWebConfigTest, CredentialsNotInStrictBase64Are401)
{
	const std::string config =
		files_->write("web.yml", "basic_auth_users:\n  " + user + ": " +
						 WebConfigFiles::bcrypt(user, password) + "\n");
	ExporterRun exporter({"--web-config", config});
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	const auto status_for = [&](const std::string &credentials) {
		const std::string answer =
			raw_exchange(exporter.port(),
				     "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
				     "Authorization: Basic " +
					     credentials + "\r\n\r\n",
				     10s);
		return answer.substr(0, answer.find("\r\n"));
	};
	// "scraper:s3cret pass".
	const std::string right = "c2NyYXBlcjpzM2NyZXQgcGFzcw==";
	const std::string refused[] = {
		"\t" + right,                       // whitespace before
		right + "----",                     // junk after, in a group of four
		right + "-",                        // junk after, a group cut short
		right.substr(0, right.size() - 2),  // no padding
		right + "AAAA",                     // padding inside, zero bits after
		"c2NyYXBlcjpzM2NyZXQgcGFzcwBqdW5r", // "scraper:s3cret pass\0junk"
		"c2NyYXBlcjpzM2Ny ZXQgcGFzcw==",    // a space inside
	};
	for (const std::string &credentials : refused)
		EXPECT_EQ(status_for(credentials), "HTTP/1.1 401 Unauthorized") << credentials;
	EXPECT_EQ(status_for(right), "HTTP/1.1 200 OK");
	exporter.stop();
}

TEST_F(ExporterWebConfigTest, PlainHttpToTheTlsPortGetsNoMetrics)
{
	ExporterRun exporter({"--web-config", tls_and_auth()});
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	const std::string got =
		raw_exchange(exporter.port(),
			     "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5s);
	EXPECT_EQ(got.find("nettrace_"), std::string::npos) << got;
	EXPECT_EQ(got.find("HTTP/1.1 200"), std::string::npos) << got;
	EXPECT_EQ(https_get(exporter.port(), "/metrics", with_password()).status, 200);
	exporter.stop();
}

TEST_F(ExporterWebConfigTest, ClientCertificateRequiredWhenAsked)
{
	ExporterRun exporter(
		{"--web-config", tls_and_auth("  client_ca_file: ca.crt\n"
					      "  client_auth_type: RequireAndVerifyClientCert\n"
					      "  min_version: TLS13\n")});
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	EXPECT_EQ(https_get(exporter.port(), "/metrics", with_password()).status, 0);
	HttpsOptions with_cert = with_password();
	with_cert.cert_file = files_->path("client.crt");
	with_cert.key_file = files_->path("client.key");
	EXPECT_EQ(https_get(exporter.port(), "/metrics", with_cert).status, 200);
	exporter.stop();
}

TEST_F(ExporterWebConfigTest, HandshakeNeverFinishedIsCutOff)
{
	ExporterRun exporter({"--web-config", tls_and_auth()});
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	// Half of a TLS record header, then nothing: the server gives up
	// after its 5-second deadline, well before the 30-second idle timeout.
	const auto begin = std::chrono::steady_clock::now();
	raw_exchange(exporter.port(), std::string_view("\x16\x03\x01", 3), 20s);
	const auto took = std::chrono::steady_clock::now() - begin;
	EXPECT_GE(took, 4s);
	EXPECT_LT(took, 8s);
	EXPECT_EQ(https_get(exporter.port(), "/metrics", with_password()).status, 200);
	exporter.stop();
}

TEST_F(ExporterWebConfigTest, BadWebConfigsAreUsageErrors)
{
	const std::string hash = WebConfigFiles::bcrypt(user, password);
	const auto file = [&](const std::string &name, const std::string &text) {
		return files_->write(name, text);
	};
	expect_usage_errors(
		"exporter",
		{
			{{"--web-config", file("a.yml", "tls_server_config:\n  cert_file: x\n"
							"  key_file: y\n  cipher_suites: [a]\n")},
			 "unknown key tls_server_config.cipher_suites"},
			{{"--web-config", file("b.yml", "basic_auth_user:\n  a: b\n")},
			 "unknown key basic_auth_user"},
			{{"--web-config", file("c.yml", "tls_server_config: [\n")},
			 "not valid YAML"},
			{{"--web-config", file("d.yml", "basic_auth_users:\n  a: '{SHA}x'\n")},
			 "user a's hash is not bcrypt"},
			{{"--web-config", file("e.yml", "tls_server_config:\n  cert_file: x\n")},
			 "needs both cert_file and key_file"},
			{{"--web-config", file("f.yml", "tls_server_config:\n  cert_file: x\n"
							"  key_file: y\n  min_version: TLS10\n")},
			 "min_version: TLS10 is not TLS12 or TLS13"},
			{{"--web-config",
			  file("g.yml", "tls_server_config:\n  cert_file: x\n  key_file: y\n"
					"  client_auth_type: RequireAndVerifyClientCert\n")},
			 "needs client_ca_file"},
			{{"--web-config", file("h.yml", "- a\n- b\n")},
			 "the file is not a mapping"},
			{{"--web-config", file("i.yml", "basic_auth_users:\n  " + user + ": " +
								hash.substr(0, 20) + "\n")},
			 "hash is not bcrypt"},
		});
}

TEST_F(ExporterWebConfigTest, UnusableTlsFilesAreOneLineAndExitOne)
{
	const std::string tls = "tls_server_config:\n  cert_file: server.crt\n  key_file: ";
	const struct {
		std::string config;
		std::string message;
	} cases[] = {
		{files_->path("missing.yml"), "cannot read: No such file"},
		{files_->write("k.yml", tls + "nowhere.key\n"),
		 "cannot read key " + files_->path("nowhere.key") + ": No such file"},
		{files_->write("s.yml", tls + "stranger.key\n"), "is not the key of certificate"},
		{files_->write("c.yml", "tls_server_config:\n  cert_file: server.key\n"
					"  key_file: server.key\n"),
		 "cannot use certificate"},
	};
	for (const auto &c : cases) {
		const int links_before = count_bpf_links();
		const ProcessResult r = run_process({nettrace_binary(), "exporter", "--listen",
						     "127.0.0.1:0", "--web-config", c.config});
		EXPECT_EQ(r.exit_code, 1) << r.err;
		EXPECT_EQ(r.out, "");
		EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
		EXPECT_EQ(r.err.rfind("nettrace exporter: ", 0), 0u) << r.err;
		EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
		EXPECT_EQ(count_bpf_links(), links_before);
	}
}

} // namespace
