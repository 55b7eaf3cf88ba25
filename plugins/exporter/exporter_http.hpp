// SPDX-License-Identifier: MIT
// The exporter's HTTP server (Boost.Beast) on a thread of its own: GET
// /metrics is answered with what `metrics` returns for the request's
// Accept and Accept-Encoding headers, in the content type and encoding
// it chose; any other method is
// 405, any other path 404, a request that does not parse 400, after
// which that connection is closed. With a web configuration it serves
// over TLS and asks for basic authentication, whose bcrypt runs beside
// its thread (exporter_password_checks.hpp). Nothing a client sends
// stops it, and no client holds a connection for long without sending a
// whole request (see exporter_http.cpp for the limits).
#pragma once

#include "exporter_listen.hpp"
#include "exporter_web_config.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace nettrace::exporter {

class HttpServer {
public:
	struct Reply {
		std::shared_ptr<const std::string> body;
		std::string_view content_type;     // of static storage
		std::string_view content_encoding; // "gzip", or empty for none
	};
	// Given the request's Accept and Accept-Encoding headers, each empty
	// when the request has none.
	using Handler =
		std::function<Reply(std::string_view accept, std::string_view accept_encoding)>;
	// Binds and listens at once, and loads the TLS files, so that a port
	// in use or a certificate that cannot be used is known before
	// anything is attached; throws RuntimeError saying why not.
	HttpServer(const ListenAddress &listen, const WebConfig &web, Handler metrics);
	~HttpServer();
	HttpServer(const HttpServer &) = delete;
	HttpServer &operator=(const HttpServer &) = delete;

	// Where it listens, with the port the kernel picked for port 0.
	ListenAddress bound() const;
	// "https" with TLS, else "http".
	const char *scheme() const;
	// Starts answering, on the server's own thread.
	void start();
	// Stops answering and joins the thread; also done by the destructor.
	void stop();
	// Connections closed unanswered because too many were open.
	std::uint64_t refused() const;
	// Requests answered 503 because too many password checks waited.
	std::uint64_t password_checks_refused() const;

private:
	struct State;
	std::unique_ptr<State> state_;
};

} // namespace nettrace::exporter
