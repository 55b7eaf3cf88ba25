// SPDX-License-Identifier: MIT
// The TLS side of the exporter's server: an OpenSSL context made from
// --web-config's tls_server_config.
#pragma once

#include "exporter_web_config.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>

namespace nettrace::exporter {

// Loads the certificate chain, the key and the client CA; throws
// RuntimeError naming the file when one cannot be read or used, or when
// the key is not the certificate's.
std::unique_ptr<boost::asio::ssl::context> make_tls_context(const TlsSettings &tls);

} // namespace nettrace::exporter
