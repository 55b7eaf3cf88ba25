// SPDX-License-Identifier: MIT
// A plain HTTP/1.1 client for tests that talk to nettrace exporter and
// to Prometheus on loopback (Boost.Beast, synchronous).
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nettrace::test {

struct HttpResponse {
	int status = 0; // 0 when no response came
	std::string content_type;
	std::string content_encoding;
	std::string vary;
	std::string www_authenticate;
	std::string body; // as sent, still compressed when content_encoding says so
};

// What tests look at in a response read by Beast, over HTTP or HTTPS.
HttpResponse http_response_of(boost::beast::http::response<boost::beast::http::string_body> &&res);

// A gzip body decompressed; throws std::runtime_error when it is not gzip.
std::string gunzip(std::string_view gzip);

// `method` `target` on 127.0.0.1:`port`, with `headers` (name, value)
// added; the connection is closed after. Throws std::runtime_error when
// it cannot connect.
HttpResponse http_request(std::uint16_t port, const std::string &method, const std::string &target,
			  const std::string &body = {},
			  const std::vector<std::pair<std::string, std::string>> &headers = {});

// Writes `bytes` as they are (as much as the server takes before it
// closes), then reads until the server closes or `timeout` passes: what
// came back, possibly nothing.
std::string raw_exchange(std::uint16_t port, std::string_view bytes,
			 std::chrono::milliseconds timeout);

// A port on 127.0.0.1 that nothing listens on at the moment of asking.
std::uint16_t free_loopback_port();

// One sample of the Prometheus text format.
struct Sample {
	std::string name;
	std::map<std::string, std::string> labels; // values unescaped
	double value = 0;
};
// Every sample of `text`; comments and blank lines skipped. Throws
// std::runtime_error for a line it cannot read.
std::vector<Sample> parse_exposition(std::string_view text);
// The sum of `name`'s samples whose labels include all of `match`.
double sum_samples(const std::vector<Sample> &samples, const std::string &name,
		   const std::map<std::string, std::string> &match);

} // namespace nettrace::test
