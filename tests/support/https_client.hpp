// SPDX-License-Identifier: MIT
// An HTTPS client for tests that talk to nettrace exporter served with
// --web-config (Boost.Beast over OpenSSL, synchronous).
#pragma once

#include "http_client.hpp"

#include <cstdint>
#include <string>

namespace nettrace::test {

struct HttpsOptions {
	std::string ca_file;   // the server's certificate must chain to it
	std::string user;      // with `password`: basic authentication
	std::string password;  // (no Authorization header when user is empty)
	std::string cert_file; // a client certificate, when not empty
	std::string key_file;
};

// GET `target` on https://127.0.0.1:`port`, the certificate checked for
// IP 127.0.0.1; the connection is closed after. Status 0 when the
// handshake or the answer failed. Throws std::runtime_error when it
// cannot connect.
HttpResponse https_get(std::uint16_t port, const std::string &target, const HttpsOptions &options);

} // namespace nettrace::test
