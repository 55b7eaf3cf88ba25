// SPDX-License-Identifier: MIT
#include "exporter_web_config.hpp"

#include <nettrace/errors.hpp>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <regex>
#include <sstream>

namespace nettrace::exporter {

namespace {

[[noreturn]] void bad(const std::string &path, const std::string &why)
{
	throw UsageError(fmt::format("--web-config {}: {}", path, why));
}

// Every key of `map` must be one of `known`: a key misspelt, or one of
// the format this server does not implement, must not be ignored
// silently, least of all in a file about security.
void only_keys(const std::string &path, const YAML::Node &map, const std::string &where,
	       std::initializer_list<std::string_view> known)
{
	if (!map.IsMap())
		bad(path, fmt::format("{} is not a mapping", where.empty() ? "the file" : where));
	for (const auto &kv : map) {
		const std::string key = kv.first.as<std::string>();
		bool found = false;
		for (std::string_view k : known)
			found = found || k == key;
		if (!found)
			bad(path,
			    fmt::format("unknown key {}{}", where.empty() ? "" : where + ".", key));
	}
}

std::string scalar(const std::string &path, const YAML::Node &node, const std::string &name)
{
	if (!node.IsScalar())
		bad(path, fmt::format("{} is not a string", name));
	return node.as<std::string>();
}

TlsVersion tls_version(const std::string &path, const std::string &name, const std::string &v)
{
	if (v == "TLS12")
		return TlsVersion::tls12;
	if (v == "TLS13")
		return TlsVersion::tls13;
	bad(path,
	    fmt::format("{}: {} is not TLS12 or TLS13 (older versions are not served)", name, v));
}

// bcrypt's modular crypt format: $2a$, $2b$ or $2y$, a two-digit cost,
// 22 characters of salt and 31 of hash.
bool is_bcrypt(const std::string &hash)
{
	static const std::regex form(R"(\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53})");
	return std::regex_match(hash, form);
}

TlsSettings read_tls(const std::string &path, const YAML::Node &node,
		     const std::filesystem::path &folder)
{
	only_keys(path, node, "tls_server_config",
		  {"cert_file", "key_file", "client_ca_file", "client_auth_type", "min_version",
		   "max_version"});
	const auto file = [&](const char *key) -> std::string {
		if (!node[key])
			return {};
		const std::string v = scalar(path, node[key], key);
		return v.empty() ? v : (folder / v).lexically_normal().string();
	};
	TlsSettings tls;
	tls.cert_file = file("cert_file");
	tls.key_file = file("key_file");
	tls.client_ca_file = file("client_ca_file");
	if (tls.cert_file.empty() || tls.key_file.empty())
		bad(path, "tls_server_config needs both cert_file and key_file");
	// As the other exporters do: a CA given without a type means it is
	// to be used, on every client.
	std::string type = node["client_auth_type"]
				   ? scalar(path, node["client_auth_type"], "client_auth_type")
				   : "";
	if (type.empty())
		type = tls.client_ca_file.empty() ? "NoClientCert" : "RequireAndVerifyClientCert";
	if (type == "RequireAndVerifyClientCert") {
		tls.require_client_cert = true;
		if (tls.client_ca_file.empty())
			bad(path,
			    "client_auth_type RequireAndVerifyClientCert needs client_ca_file");
	} else if (type != "NoClientCert") {
		bad(path, fmt::format("client_auth_type {} is not served (NoClientCert or "
				      "RequireAndVerifyClientCert)",
				      type));
	} else if (!tls.client_ca_file.empty()) {
		bad(path, "client_ca_file is given but client_auth_type is NoClientCert");
	}
	if (node["min_version"])
		tls.min_version = tls_version(path, "min_version",
					      scalar(path, node["min_version"], "min_version"));
	if (node["max_version"])
		tls.max_version = tls_version(path, "max_version",
					      scalar(path, node["max_version"], "max_version"));
	if (tls.max_version < tls.min_version)
		bad(path, "max_version is older than min_version");
	return tls;
}

} // namespace

WebConfig read_web_config(const std::string &path)
{
	std::ifstream in(path);
	if (!in)
		throw RuntimeError(fmt::format("--web-config {}: cannot read: {}", path,
					       std::strerror(errno)));
	std::stringstream text;
	text << in.rdbuf();
	YAML::Node root;
	try {
		root = YAML::Load(text.str());
	} catch (const YAML::Exception &e) {
		bad(path, fmt::format("not valid YAML at line {}: {}", e.mark.line + 1, e.msg));
	}
	WebConfig config;
	// An empty file asks for nothing, as with the other exporters.
	if (root.IsNull())
		return config;
	only_keys(path, root, "", {"tls_server_config", "basic_auth_users"});
	const std::filesystem::path folder = std::filesystem::path(path).parent_path();
	if (root["tls_server_config"] && !root["tls_server_config"].IsNull())
		config.tls = read_tls(path, root["tls_server_config"], folder);
	if (const YAML::Node users = root["basic_auth_users"]; users && !users.IsNull()) {
		if (!users.IsMap())
			bad(path, "basic_auth_users is not a mapping of user names to hashes");
		for (const auto &kv : users) {
			const std::string user = scalar(path, kv.first, "a user name");
			const std::string hash =
				scalar(path, kv.second, "user " + user + "'s hash");
			if (user.empty() || user.find(':') != std::string::npos)
				bad(path,
				    fmt::format("user name '{}' is empty or has a ':'", user));
			if (!is_bcrypt(hash))
				bad(path, fmt::format("user {}'s hash is not bcrypt ($2b$..., as "
						      "htpasswd -nbB makes)",
						      user));
			config.users[user] = hash;
		}
	}
	return config;
}

} // namespace nettrace::exporter
