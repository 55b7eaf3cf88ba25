// SPDX-License-Identifier: MIT
#include "password_flood.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>

namespace nettrace::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

PasswordFlood::PasswordFlood(std::uint16_t port, const std::vector<std::string> &authorizations)
{
	for (const std::string &authorization : authorizations)
		clients_.emplace_back([this, port, authorization] { run(port, authorization); });
}

PasswordFlood::~PasswordFlood()
{
	stop();
}

void PasswordFlood::stop()
{
	stop_ = true;
	for (std::thread &t : clients_)
		if (t.joinable())
			t.join();
}

void PasswordFlood::run(std::uint16_t port, std::string authorization)
{
	asio::io_context io;
	while (!stop_) {
		tcp::socket socket(io);
		beast::error_code ec;
		socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
		if (ec) {
			++counts_.other;
			std::this_thread::sleep_for(std::chrono::milliseconds(100));
			continue;
		}
		beast::flat_buffer buffer;
		while (!stop_) {
			http::request<http::empty_body> req(http::verb::get, "/metrics", 11);
			req.set(http::field::host, "127.0.0.1");
			req.set(http::field::authorization, authorization);
			http::response<http::string_body> res;
			http::write(socket, req, ec);
			if (!ec)
				http::read(socket, buffer, res, ec);
			if (ec) {
				++counts_.other;
				break;
			}
			if (res.result() == http::status::unauthorized) {
				++counts_.unauthorized;
			} else if (res.result() == http::status::service_unavailable) {
				++counts_.busy;
				if (res[http::field::retry_after] != "1")
					++counts_.busy_without_retry_after;
				// Not the second Retry-After asks for: a flood does
				// not wait, but a short pause keeps this test's
				// clients from taking the machine's CPUs.
				std::this_thread::sleep_for(std::chrono::milliseconds(20));
			} else {
				++counts_.other;
			}
			if (!res.keep_alive())
				break;
		}
	}
}

} // namespace nettrace::test
