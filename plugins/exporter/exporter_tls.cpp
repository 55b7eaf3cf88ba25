// SPDX-License-Identifier: MIT
#include "exporter_tls.hpp"

#include <nettrace/errors.hpp>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace nettrace::exporter {

namespace ssl = boost::asio::ssl;

namespace {

// A file that cannot be opened is said as the system says it; OpenSSL's
// own message for that is less clear.
void readable(const char *what, const std::string &path)
{
	if (!std::ifstream(path))
		throw RuntimeError(fmt::format("--web-config: cannot read {} {}: {}", what, path,
					       std::strerror(errno)));
}

[[noreturn]] void unusable(const char *what, const std::string &path)
{
	const unsigned long e = ERR_get_error();
	char why[256] = "unknown error";
	if (e)
		ERR_error_string_n(e, why, sizeof(why));
	ERR_clear_error();
	throw RuntimeError(fmt::format("--web-config: cannot use {} {}: {}", what, path, why));
}

int openssl_version(TlsVersion v)
{
	return v == TlsVersion::tls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
}

} // namespace

std::unique_ptr<ssl::context> make_tls_context(const TlsSettings &tls)
{
	auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
	SSL_CTX *native = ctx->native_handle();
	SSL_CTX_set_min_proto_version(native, openssl_version(tls.min_version));
	SSL_CTX_set_max_proto_version(native, openssl_version(tls.max_version));
	ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
			 ssl::context::single_dh_use);
	readable("certificate", tls.cert_file);
	if (SSL_CTX_use_certificate_chain_file(native, tls.cert_file.c_str()) != 1)
		unusable("certificate", tls.cert_file);
	readable("key", tls.key_file);
	// OpenSSL checks the key against the certificate as it loads it.
	const bool key_loaded =
		SSL_CTX_use_PrivateKey_file(native, tls.key_file.c_str(), SSL_FILETYPE_PEM) == 1;
	if (!key_loaded && ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
		ERR_clear_error();
		throw RuntimeError(
			fmt::format("--web-config: key {} is not the key of certificate {}",
				    tls.key_file, tls.cert_file));
	}
	if (!key_loaded)
		unusable("key", tls.key_file);
	if (tls.require_client_cert) {
		readable("client CA", tls.client_ca_file);
		if (SSL_CTX_load_verify_locations(native, tls.client_ca_file.c_str(), nullptr) != 1)
			unusable("client CA", tls.client_ca_file);
		SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
				   nullptr);
	}
	return ctx;
}

} // namespace nettrace::exporter
