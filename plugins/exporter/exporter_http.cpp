// SPDX-License-Identifier: MIT
#include "exporter_http.hpp"
#include "exporter_basic_auth.hpp"
#include "exporter_password_checks.hpp"
#include "exporter_tls.hpp"

#include <nettrace/errors.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <type_traits>

namespace nettrace::exporter {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Limits against clients that hold what they should give back. A
// scraper sends each request at once and reads the answer at once, so
// none of them is ever met by one.
//
// A connection with no request under way is let go after this long.
constexpr std::chrono::seconds idle_timeout{30};
// From a request's first byte to its last (header and body), and for a
// whole TLS handshake: a client that sends a byte now and then
// (slowloris) cannot keep its connection for the idle timeout after each.
constexpr std::chrono::seconds request_deadline{5};
// Connections open at once; one more is closed as soon as it is
// accepted, unanswered, so that the others are not slowed. Each costs a
// socket, its buffers and, with TLS, an OpenSSL session.
constexpr std::size_t max_connections = 64;
// A request header above this is answered 431, a body above this 413.
constexpr std::size_t header_limit = 16 * 1024;
constexpr std::size_t body_limit = 64 * 1024;
// What is read at once while waiting for a request to begin.
constexpr std::size_t first_read = 4096;

// What every connection shares; owned by the server, used on its thread.
struct Shared {
	HttpServer::Handler metrics;
	BasicAuth auth;
	std::unique_ptr<asio::ssl::context> tls; // null: plain HTTP
	PasswordChecks *checks = nullptr;        // null: no users, nothing to check
	std::size_t open = 0;
	std::atomic<std::uint64_t> refused{0};
	std::atomic<std::uint64_t> checks_refused{0};
};

// One of the max_connections slots, held while its connection lives.
class Slot {
public:
	explicit Slot(Shared &shared) : shared_(shared) { ++shared_.open; }
	~Slot() { --shared_.open; }
	Slot(const Slot &) = delete;
	Slot &operator=(const Slot &) = delete;

private:
	Shared &shared_;
};

// The answer to one request that parsed.
struct Reply {
	http::status status;
	std::string body;
	bool keep_alive;
	std::string_view content_type = "text/plain; charset=utf-8"; // of static storage
	// The metrics' text, which connections answered at the same time
	// share; when set, `body` is unused.
	std::shared_ptr<const std::string> shared_body = nullptr;
	std::string_view content_encoding = {}; // of the shared body, when it has one
};

using Request = http::request<http::string_body>;

Reply unauthorized(const Request &req)
{
	return {http::status::unauthorized, "unauthorized\n", req.keep_alive()};
}

// When PasswordChecks::max_pending checks are under way: the client may
// try again in a moment, when the flood that filled the queue has passed.
Reply too_busy_to_check(const Request &req)
{
	return {http::status::service_unavailable, "too many password checks under way\n",
		req.keep_alive()};
}

// What a request whose credentials passed (or that needs none) is
// answered, by its method and path.
Reply respond(const Request &req, Shared &shared)
{
	const bool keep_alive = req.keep_alive();
	if (req.method() != http::verb::get)
		return {http::status::method_not_allowed, "only GET is served\n", keep_alive};
	const std::string_view target(req.target().data(), req.target().size());
	if (target.substr(0, target.find('?')) != "/metrics")
		return {http::status::not_found, "not found: try /metrics\n", keep_alive};
	try {
		const auto accept = req[http::field::accept];
		const auto encoding = req[http::field::accept_encoding];
		HttpServer::Reply metrics =
			shared.metrics(std::string_view(accept.data(), accept.size()),
				       std::string_view(encoding.data(), encoding.size()));
		return {http::status::ok,
			{},
			keep_alive,
			metrics.content_type,
			std::move(metrics.body),
			metrics.content_encoding};
	} catch (const std::exception &e) {
		return {http::status::internal_server_error, std::string(e.what()) + "\n", false};
	}
}

// One connection, plain or TLS: requests read and answered in turn while
// the client keeps it alive.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
	static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

public:
	template <class... StreamArgs>
	explicit Session(Shared &shared, StreamArgs &&...args)
	    : stream_(std::forward<StreamArgs>(args)...), shared_(shared), slot_(shared)
	{
	}

	void start()
	{
		if constexpr (is_tls) {
			lowest().expires_after(request_deadline);
			stream_.async_handshake(asio::ssl::stream_base::server,
						[self = this->shared_from_this()](
							beast::error_code ec) {
							if (ec)
								return self->close();
							self->wait();
						});
		} else {
			wait();
		}
	}

private:
	beast::tcp_stream &lowest() { return beast::get_lowest_layer(stream_); }

	// Waits, up to the idle timeout, for the next request to begin.
	void wait()
	{
		parser_.emplace();
		parser_->header_limit(header_limit);
		parser_->body_limit(body_limit);
		if (buffer_.size() > 0)
			return read_request();
		lowest().expires_after(idle_timeout);
		stream_.async_read_some(buffer_.prepare(first_read),
					[self = this->shared_from_this()](beast::error_code ec,
									  std::size_t n) {
						self->buffer_.commit(n);
						if (ec)
							return self->close();
						self->read_request();
					});
	}

	// The rest of a request that began, within the request deadline.
	void read_request()
	{
		lowest().expires_after(request_deadline);
		http::async_read(stream_, buffer_, *parser_,
				 [self = this->shared_from_this()](
					 beast::error_code ec, std::size_t) { self->on_read(ec); });
	}

	void on_read(beast::error_code ec)
	{
		if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
		    ec == beast::error::timeout)
			return close();
		if (ec == http::error::header_limit)
			return answer({http::status::request_header_fields_too_large,
				       "request header too large\n", false},
				      11);
		if (ec == http::error::body_limit)
			return answer({http::status::payload_too_large, "request body too large\n",
				       false},
				      11);
		if (ec &&
		    ec.category() == http::make_error_code(http::error::bad_target).category())
			return answer({http::status::bad_request, "bad request\n", false}, 11);
		if (ec)
			return close();
		const Request &req = parser_->get();
		// The credentials first, as the other exporters check them,
		// then the method and the path.
		const auto authorization = req[http::field::authorization];
		BasicAuth::Claim claim;
		switch (shared_.auth.screen(
			std::string_view(authorization.data(), authorization.size()), claim)) {
		case BasicAuth::Screened::allowed:
			return answer(respond(req, shared_), req.version());
		case BasicAuth::Screened::refused:
			return answer(unauthorized(req), req.version());
		case BasicAuth::Screened::to_verify:
			break;
		}
		// Nothing is read from this connection until the check is
		// answered: each holds at most one request in the queue.
		const bool started =
			shared_.checks->start(std::move(claim),
					      [self = this->shared_from_this()](bool passed) {
						      self->on_checked(passed);
					      });
		if (!started) {
			++shared_.checks_refused;
			answer(too_busy_to_check(req), req.version());
		}
	}

	// The answer to the request read, once its password was checked.
	void on_checked(bool passed)
	{
		const Request &req = parser_->get();
		answer(passed ? respond(req, shared_) : unauthorized(req), req.version());
	}

	void answer(Reply reply, unsigned version)
	{
		response_ = {};
		response_.version(version);
		response_.result(reply.status);
		response_.set(http::field::server, "nettrace-exporter");
		response_.set(http::field::content_type,
			      beast::string_view(reply.content_type.data(),
						 reply.content_type.size()));
		if (reply.shared_body) {
			// The answer depends on these headers: a cache in between
			// must not give one client's answer to another.
			response_.set(http::field::vary, "Accept, Accept-Encoding");
			if (!reply.content_encoding.empty())
				response_.set(http::field::content_encoding,
					      beast::string_view(reply.content_encoding.data(),
								 reply.content_encoding.size()));
		}
		if (reply.status == http::status::method_not_allowed)
			response_.set(http::field::allow, "GET");
		if (reply.status == http::status::unauthorized)
			response_.set(http::field::www_authenticate, "Basic realm=\"nettrace\"");
		if (reply.status == http::status::service_unavailable)
			response_.set(http::field::retry_after, "1");
		response_.keep_alive(reply.keep_alive);
		body_ = reply.shared_body
				? std::move(reply.shared_body)
				: std::make_shared<const std::string>(std::move(reply.body));
		response_.body() = {body_->data(), body_->size()};
		response_.prepare_payload();
		lowest().expires_after(idle_timeout);
		http::async_write(stream_, response_,
				  [self = this->shared_from_this(), keep_alive = reply.keep_alive](
					  beast::error_code ec, std::size_t) {
					  if (ec || !keep_alive)
						  return self->close();
					  self->wait();
				  });
	}

	void close()
	{
		beast::error_code ignored;
		lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
		lowest().close();
	}

	Stream stream_;
	Shared &shared_;
	Slot slot_;
	beast::flat_buffer buffer_;
	std::optional<http::request_parser<http::string_body>> parser_;
	// The answer refers to its text, which may be another connection's
	// too: each does not hold a copy of megabytes of its own.
	std::shared_ptr<const std::string> body_;
	http::response<http::span_body<const char>> response_;
};

} // namespace

struct HttpServer::State {
	// Sessions refer to `shared`: it is declared before `io`, so that
	// the sessions `io` still holds go first.
	Shared shared;
	asio::io_context io{1};
	tcp::acceptor acceptor{io};
	// After `io`, so that sessions its waiting checks hold go while
	// their sockets' io_context still is.
	std::optional<PasswordChecks> checks;
	std::thread thread;

	explicit State(const WebConfig &web, Handler metrics)
	    : shared{std::move(metrics), BasicAuth(web.users),
		     web.tls ? make_tls_context(*web.tls) : nullptr}
	{
		// Its thread only when there are passwords to check.
		if (!shared.auth.open())
			shared.checks = &checks.emplace(shared.auth, io);
	}

	void accept()
	{
		acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
			if (ec == asio::error::operation_aborted)
				return;
			if (!ec)
				admit(std::move(socket));
			accept();
		});
	}

	void admit(tcp::socket socket)
	{
		if (shared.open >= max_connections) {
			++shared.refused;
			beast::error_code ignored;
			socket.close(ignored);
			return;
		}
		if (shared.tls)
			std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
				shared, std::move(socket), *shared.tls)
				->start();
		else
			std::make_shared<Session<beast::tcp_stream>>(shared, std::move(socket))
				->start();
	}
};

HttpServer::HttpServer(const ListenAddress &listen, const WebConfig &web, Handler metrics)
    : state_(std::make_unique<State>(web, std::move(metrics)))
{
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

const char *HttpServer::scheme() const
{
	return state_->shared.tls ? "https" : "http";
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
	if (state_->checks)
		state_->checks->stop();
}

std::uint64_t HttpServer::refused() const
{
	return state_->shared.refused;
}

std::uint64_t HttpServer::password_checks_refused() const
{
	return state_->shared.checks_refused;
}

} // namespace nettrace::exporter
