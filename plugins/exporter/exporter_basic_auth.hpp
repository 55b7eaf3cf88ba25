// SPDX-License-Identifier: MIT
// HTTP basic authentication against bcrypt hashes (--web-config's
// basic_auth_users). bcrypt is slow on purpose, so a check that passed is
// remembered: a scraper that sends the same Authorization header every
// few seconds pays for bcrypt once, not on every scrape.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace nettrace::exporter {

class BasicAuth {
public:
	explicit BasicAuth(std::map<std::string, std::string> users);
	// True when no users are configured (nothing to check).
	bool open() const { return users_.empty(); }
	// Whether the Authorization header's value names a user and that
	// user's password. Called on the server's thread only.
	bool allows(std::string_view authorization);

private:
	using Digest = std::array<std::uint8_t, 32>;
	bool verify(std::string_view user, std::string_view password) const;

	std::map<std::string, std::string> users_;
	// SHA-256 of header values that passed; the header itself (the
	// password) is never kept. Bounded: emptied when full.
	std::set<Digest> passed_;
};

} // namespace nettrace::exporter
