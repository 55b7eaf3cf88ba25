// SPDX-License-Identifier: MIT
// The exporter's HTTP server (Boost.Beast) on a thread of its own: GET
// /metrics is answered with what `metrics` returns for the request's
// Accept header, in the content type it chose; any other method is
// 405, any other path 404, a request that does not parse 400, after
// which that connection is closed. Nothing a client sends stops it.
#pragma once

#include "exporter_listen.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace nettrace::exporter {

class HttpServer {
public:
	struct Reply {
		std::string body;
		std::string_view content_type; // of static storage
	};
	// Given the request's Accept header, empty when it has none.
	using Handler = std::function<Reply(std::string_view accept)>;
	// Binds and listens at once, so that a port in use is known before
	// anything is attached; throws RuntimeError saying why not.
	HttpServer(const ListenAddress &listen, Handler metrics);
	~HttpServer();
	HttpServer(const HttpServer &) = delete;
	HttpServer &operator=(const HttpServer &) = delete;

	// Where it listens, with the port the kernel picked for port 0.
	ListenAddress bound() const;
	// Starts answering, on the server's own thread.
	void start();
	// Stops answering and joins the thread; also done by the destructor.
	void stop();

private:
	struct State;
	std::unique_ptr<State> state_;
};

} // namespace nettrace::exporter
