// SPDX-License-Identifier: MIT
// HTTP basic authentication against bcrypt hashes (--web-config's
// basic_auth_users). bcrypt is slow on purpose, so a check that passed is
// remembered: a scraper that sends the same Authorization header every
// few seconds pays for bcrypt once, not on every scrape. The check itself
// is split in two so that bcrypt can run away from the server's thread:
// screen() answers at once what needs no bcrypt, verify() is bcrypt.
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
	using Digest = std::array<std::uint8_t, 32>;

	// What an Authorization header claims, once it reads as basic
	// credentials: the user, the password, and the header's SHA-256,
	// by which it is remembered when it passes.
	struct Claim {
		std::string user;
		std::string password;
		Digest digest{};
	};

	enum class Screened {
		allowed,   // no users configured, or this header passed before
		refused,   // not basic credentials (RFC 7617): no bcrypt needed
		to_verify, // the claim is filled in: verify() it
	};

	explicit BasicAuth(std::map<std::string, std::string> users);
	// True when no users are configured (nothing to check).
	bool open() const { return users_.empty(); }
	// What the Authorization header's value needs, without bcrypt.
	// Called on the server's thread only.
	Screened screen(std::string_view authorization, Claim &claim) const;
	// Whether the claim names a user and that user's password: bcrypt,
	// tens of milliseconds. Reads only what the constructor set, so any
	// thread may call it.
	bool verify(const Claim &claim) const;
	// Remembers a header whose claim verified. Server's thread only.
	void remember(const Digest &digest);

private:
	std::map<std::string, std::string> users_;
	// SHA-256 of header values that passed; the header itself (the
	// password) is never kept. Bounded: emptied when full.
	std::set<Digest> passed_;
};

} // namespace nettrace::exporter
