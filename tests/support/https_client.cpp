// SPDX-License-Identifier: MIT
#include "https_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <stdexcept>

namespace nettrace::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

std::string base64(const std::string &in)
{
	static const char table[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	std::string out;
	std::size_t i = 0;
	for (; i + 2 < in.size(); i += 3) {
		const unsigned v = static_cast<unsigned char>(in[i]) << 16 |
				   static_cast<unsigned char>(in[i + 1]) << 8 |
				   static_cast<unsigned char>(in[i + 2]);
		for (int s = 18; s >= 0; s -= 6)
			out += table[(v >> s) & 63];
	}
	if (i < in.size()) {
		unsigned v = static_cast<unsigned char>(in[i]) << 16;
		if (i + 1 < in.size())
			v |= static_cast<unsigned char>(in[i + 1]) << 8;
		out += table[(v >> 18) & 63];
		out += table[(v >> 12) & 63];
		out += i + 1 < in.size() ? table[(v >> 6) & 63] : '=';
		out += '=';
	}
	return out;
}

} // namespace

HttpResponse https_get(std::uint16_t port, const std::string &target, const HttpsOptions &options)
{
	ssl::context ctx(ssl::context::tls_client);
	ctx.set_verify_mode(ssl::verify_peer);
	ctx.load_verify_file(options.ca_file);
	if (!options.cert_file.empty()) {
		ctx.use_certificate_chain_file(options.cert_file);
		ctx.use_private_key_file(options.key_file, ssl::context::pem);
	}
	asio::io_context io;
	beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
	beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
	beast::error_code ec;
	beast::get_lowest_layer(stream).connect(
		tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
	if (ec)
		throw std::runtime_error("cannot connect to port " + std::to_string(port));
	stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
	stream.handshake(ssl::stream_base::client, ec);
	if (ec)
		return {};
	http::request<http::string_body> req(http::verb::get, target, 11);
	req.set(http::field::host, "127.0.0.1");
	req.set(http::field::connection, "close");
	if (!options.user.empty())
		req.set(http::field::authorization,
			"Basic " + base64(options.user + ":" + options.password));
	http::write(stream, req, ec);
	if (ec)
		return {};
	beast::flat_buffer buffer;
	http::response<http::string_body> res;
	http::read(stream, buffer, res, ec);
	if (ec)
		return {};
	HttpResponse out;
	out.status = static_cast<int>(res.result_int());
	out.content_type = std::string(res[http::field::content_type]);
	out.www_authenticate = std::string(res[http::field::www_authenticate]);
	out.body = std::move(res.body());
	return out;
}

} // namespace nettrace::test
