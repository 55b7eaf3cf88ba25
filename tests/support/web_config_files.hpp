// SPDX-License-Identifier: MIT
// What a test of nettrace exporter's --web-config needs on disk, made
// with the real tools: a CA, a server certificate for IP 127.0.0.1 and a
// client certificate it signed (openssl), and bcrypt hashes (htpasswd).
// All in a temporary folder, removed at the end.
#pragma once

#include "tracer_run.hpp"

#include <string>

namespace nettrace::test {

// True when the openssl and htpasswd commands are installed.
bool have_web_config_tools();

class WebConfigFiles {
public:
	// Makes the CA and the certificates; throws std::runtime_error when
	// openssl fails.
	WebConfigFiles();
	const std::string &dir() const { return dir_.path; }
	std::string path(const std::string &name) const { return dir_.path + "/" + name; }
	// ca.crt, server.crt, server.key, client.crt, client.key, and
	// stranger.key (a key of no certificate here).
	std::string ca() const { return path("ca.crt"); }
	// `user`'s bcrypt hash of `password`, as htpasswd -nbBC `cost` makes it.
	static std::string bcrypt(const std::string &user, const std::string &password,
				  int cost = 10);
	// Writes `text` to `name` in the folder; its path.
	std::string write(const std::string &name, const std::string &text) const;

private:
	TempDir dir_;
};

} // namespace nettrace::test
