// SPDX-License-Identifier: MIT
#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

namespace nettrace::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

HttpResponse http_request(std::uint16_t port, const std::string &method, const std::string &target,
			  const std::string &body,
			  const std::vector<std::pair<std::string, std::string>> &headers)
{
	asio::io_context io;
	beast::tcp_stream stream(io);
	stream.expires_after(std::chrono::seconds(30));
	stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
	http::request<http::string_body> req(http::string_to_verb(method), target, 11);
	req.set(http::field::host, "127.0.0.1");
	req.set(http::field::connection, "close");
	for (const auto &[name, value] : headers)
		req.set(name, value);
	req.body() = body;
	req.prepare_payload();
	http::write(stream, req);
	beast::flat_buffer buffer;
	http::response<http::string_body> res;
	beast::error_code ec;
	http::read(stream, buffer, res, ec);
	if (ec)
		return {};
	return http_response_of(std::move(res));
}

HttpResponse http_response_of(http::response<http::string_body> &&res)
{
	HttpResponse out;
	out.status = static_cast<int>(res.result_int());
	out.content_type = std::string(res[http::field::content_type]);
	out.content_encoding = std::string(res[http::field::content_encoding]);
	out.vary = std::string(res[http::field::vary]);
	out.www_authenticate = std::string(res[http::field::www_authenticate]);
	out.body = std::move(res.body());
	return out;
}

std::string gunzip(std::string_view gzip)
{
	z_stream z{};
	// 15 bits of window, plus 16: gzip only, not zlib or raw deflate.
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		throw std::runtime_error("inflateInit2 failed");
	z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(gzip.data()));
	z.avail_in = static_cast<uInt>(gzip.size());
	std::string out;
	int rc = Z_OK;
	while (rc == Z_OK) {
		char piece[64 * 1024];
		z.next_out = reinterpret_cast<Bytef *>(piece);
		z.avail_out = sizeof piece;
		rc = inflate(&z, Z_NO_FLUSH);
		out.append(piece, sizeof piece - z.avail_out);
		if (rc == Z_BUF_ERROR && z.avail_in == 0)
			break;
	}
	inflateEnd(&z);
	if (rc != Z_STREAM_END)
		throw std::runtime_error("not a whole gzip stream");
	return out;
}

std::string raw_exchange(std::uint16_t port, std::string_view bytes,
			 std::chrono::milliseconds timeout)
{
	const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sockaddr_in to{};
	to.sin_family = AF_INET;
	to.sin_port = htons(port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, reinterpret_cast<const sockaddr *>(&to), sizeof(to)) != 0) {
		close(fd);
		throw std::runtime_error("cannot connect to port " + std::to_string(port));
	}
	// The server may answer and close before it has read everything: a
	// short write is then part of what is tested, and no SIGPIPE.
	for (std::size_t sent = 0; sent < bytes.size();) {
		const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		sent += static_cast<std::size_t>(n);
	}
	std::string got;
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	for (;;) {
		const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
			deadline - std::chrono::steady_clock::now());
		pollfd p{fd, POLLIN, 0};
		if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0)
			break;
		char buf[4096];
		const ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		got.append(buf, static_cast<std::size_t>(n));
	}
	close(fd);
	return got;
}

std::uint16_t free_loopback_port()
{
	const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(a);
	if (bind(fd, reinterpret_cast<const sockaddr *>(&a), sizeof(a)) != 0 ||
	    getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0) {
		close(fd);
		throw std::runtime_error("no free port");
	}
	close(fd);
	return ntohs(a.sin_port);
}

namespace {

// A label value from just after its opening quote; `at` ends past the
// closing one.
std::string read_label_value(std::string_view line, std::size_t &at)
{
	std::string value;
	while (at < line.size() && line[at] != '"') {
		if (line[at] == '\\' && at + 1 < line.size()) {
			++at;
			value += line[at] == 'n' ? '\n' : line[at];
		} else {
			value += line[at];
		}
		++at;
	}
	if (at >= line.size())
		throw std::runtime_error("unterminated label value: " + std::string(line));
	++at;
	return value;
}

} // namespace

std::vector<Sample> parse_exposition(std::string_view text)
{
	std::vector<Sample> samples;
	while (!text.empty()) {
		const std::size_t nl = text.find('\n');
		const std::string_view line = text.substr(0, nl);
		text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
		if (line.empty() || line[0] == '#')
			continue;
		Sample s;
		std::size_t at = line.find_first_of("{ ");
		if (at == std::string_view::npos)
			throw std::runtime_error("no value: " + std::string(line));
		s.name = std::string(line.substr(0, at));
		if (line[at] == '{') {
			++at;
			while (at < line.size() && line[at] != '}') {
				const std::size_t eq = line.find("=\"", at);
				if (eq == std::string_view::npos)
					throw std::runtime_error("bad labels: " +
								 std::string(line));
				const std::string key(line.substr(at, eq - at));
				at = eq + 2;
				s.labels[key] = read_label_value(line, at);
				if (at < line.size() && line[at] == ',')
					++at;
			}
			++at;
		}
		s.value = std::stod(std::string(line.substr(at)));
		samples.push_back(std::move(s));
	}
	return samples;
}

double sum_samples(const std::vector<Sample> &samples, const std::string &name,
		   const std::map<std::string, std::string> &match)
{
	double sum = 0;
	for (const Sample &s : samples) {
		if (s.name != name)
			continue;
		bool all = true;
		for (const auto &[k, v] : match) {
			const auto it = s.labels.find(k);
			all = all && it != s.labels.end() && it->second == v;
		}
		if (all)
			sum += s.value;
	}
	return sum;
}

} // namespace nettrace::test
