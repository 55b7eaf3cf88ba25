// SPDX-License-Identifier: MIT
#include "exporter_http.hpp"

#include <nettrace/errors.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <chrono>
#include <optional>
#include <thread>

namespace nettrace::exporter {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// A client that sends nothing for this long is let go.
constexpr std::chrono::seconds idle_timeout{30};

// One connection: requests read and answered in turn while the client
// keeps it alive.
class Session : public std::enable_shared_from_this<Session> {
public:
	Session(tcp::socket socket, const HttpServer::Handler &metrics)
	    : stream_(std::move(socket)), metrics_(metrics)
	{
	}
	void read()
	{
		parser_.emplace();
		parser_->header_limit(16 * 1024);
		parser_->body_limit(64 * 1024);
		stream_.expires_after(idle_timeout);
		http::async_read(stream_, buffer_, *parser_,
				 [self = shared_from_this()](beast::error_code ec, std::size_t) {
					 self->on_read(ec);
				 });
	}

private:
	void on_read(beast::error_code ec)
	{
		if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
		    ec == beast::error::timeout)
			return close();
		if (ec &&
		    ec.category() == http::make_error_code(http::error::bad_target).category())
			return answer(http::status::bad_request, "bad request\n", false, 11);
		if (ec)
			return close();
		const auto &req = parser_->get();
		const bool keep_alive = req.keep_alive();
		if (req.method() != http::verb::get)
			return answer(http::status::method_not_allowed, "only GET is served\n",
				      keep_alive, req.version());
		const std::string_view target(req.target().data(), req.target().size());
		if (target.substr(0, target.find('?')) != "/metrics")
			return answer(http::status::not_found, "not found: try /metrics\n",
				      keep_alive, req.version());
		try {
			const auto accept = req[http::field::accept];
			HttpServer::Reply reply =
				metrics_(std::string_view(accept.data(), accept.size()));
			answer(http::status::ok, std::move(reply.body), keep_alive, req.version(),
			       reply.content_type);
		} catch (const std::exception &e) {
			answer(http::status::internal_server_error, std::string(e.what()) + "\n",
			       false, req.version());
		}
	}

	void answer(http::status status, std::string body, bool keep_alive, unsigned version,
		    std::string_view type = "text/plain; charset=utf-8")
	{
		response_ = {};
		response_.version(version);
		response_.result(status);
		response_.set(http::field::server, "nettrace-exporter");
		response_.set(http::field::content_type,
			      beast::string_view(type.data(), type.size()));
		if (status == http::status::method_not_allowed)
			response_.set(http::field::allow, "GET");
		response_.keep_alive(keep_alive);
		response_.body() = std::move(body);
		response_.prepare_payload();
		stream_.expires_after(idle_timeout);
		http::async_write(stream_, response_,
				  [self = shared_from_this(), keep_alive](beast::error_code ec,
									  std::size_t) {
					  if (ec || !keep_alive)
						  return self->close();
					  self->read();
				  });
	}

	void close()
	{
		beast::error_code ignored;
		stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
		stream_.close();
	}

	beast::tcp_stream stream_;
	beast::flat_buffer buffer_;
	std::optional<http::request_parser<http::string_body>> parser_;
	http::response<http::string_body> response_;
	const HttpServer::Handler &metrics_;
};

} // namespace

struct HttpServer::State {
	asio::io_context io{1};
	tcp::acceptor acceptor{io};
	Handler metrics;
	std::thread thread;

	void accept()
	{
		acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
			if (ec == asio::error::operation_aborted)
				return;
			if (!ec)
				std::make_shared<Session>(std::move(socket), metrics)->read();
			accept();
		});
	}
};

HttpServer::HttpServer(const ListenAddress &listen, Handler metrics)
    : state_(std::make_unique<State>())
{
	state_->metrics = std::move(metrics);
	beast::error_code ec;
	const tcp::endpoint endpoint(asio::ip::make_address(listen.address, ec), listen.port);
	tcp::acceptor &a = state_->acceptor;
	if (!ec)
		a.open(endpoint.protocol(), ec);
	if (!ec)
		a.set_option(asio::socket_base::reuse_address(true), ec);
	if (!ec)
		a.bind(endpoint, ec);
	if (!ec)
		a.listen(asio::socket_base::max_listen_connections, ec);
	if (ec)
		throw RuntimeError(
			fmt::format("cannot listen on {}: {}", listen.text(), ec.message()));
}

HttpServer::~HttpServer()
{
	stop();
}

ListenAddress HttpServer::bound() const
{
	const tcp::endpoint e = state_->acceptor.local_endpoint();
	return {e.address().to_string(), e.port()};
}

void HttpServer::start()
{
	state_->accept();
	state_->thread = std::thread([this] { state_->io.run(); });
}

void HttpServer::stop()
{
	state_->io.stop();
	if (state_->thread.joinable())
		state_->thread.join();
}

} // namespace nettrace::exporter
