// SPDX-License-Identifier: MIT
#include "https_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/evp.h>

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
	std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
	const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
				      reinterpret_cast<const unsigned char *>(in.data()),
				      static_cast<int>(in.size()));
	out.resize(static_cast<std::size_t>(n));
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
	return http_response_of(std::move(res));
}

} // namespace nettrace::test
