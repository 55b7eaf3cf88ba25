// SPDX-License-Identifier: MIT
// --web-config FILE: TLS and basic authentication for the exporter's HTTP
// server, in the file format of the Prometheus exporters' web
// configuration (tls_server_config, basic_auth_users), so that a file
// written for one of them serves here too.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace nettrace::exporter {

enum class TlsVersion { tls12, tls13 };

struct TlsSettings {
	std::string cert_file; // paths made absolute against the file's folder
	std::string key_file;
	std::string client_ca_file; // empty: client certificates not asked for
	bool require_client_cert = false;
	TlsVersion min_version = TlsVersion::tls12;
	TlsVersion max_version = TlsVersion::tls13;
};

struct WebConfig {
	std::optional<TlsSettings> tls;
	std::map<std::string, std::string> users; // name -> bcrypt hash
};

// Reads and checks `path`. A file that cannot be read is a RuntimeError;
// one that is not valid YAML, has a key not known here, lacks cert_file
// or key_file, or gives a user a hash that is not bcrypt is a UsageError.
// Files it names are read later, when the server is made.
WebConfig read_web_config(const std::string &path);

} // namespace nettrace::exporter
