// SPDX-License-Identifier: MIT
#include "exporter_basic_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <crypt.h>

#include <cctype>

#include <memory>
#include <optional>

namespace nettrace::exporter {

namespace {

// Distinct successful credentials remembered; more than a few scrapers
// with their own users would be unusual.
constexpr std::size_t max_remembered = 64;

// Checked when the user is unknown, so that an unknown user takes as long
// as a wrong password and user names cannot be told by timing.
constexpr std::string_view unknown_user_hash =
	"$2y$10$S/AgDKQ2i/QrgLHr2OPHuubPjLNyAYby8PrVrOjtG8MAE7xV8.4lS";

int base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

// Standard base64 with padding, as RFC 7617 asks; nothing otherwise.
std::optional<std::string> base64_decode(std::string_view in)
{
	if (in.size() % 4 != 0)
		return std::nullopt;
	std::string out;
	std::uint32_t bits = 0;
	int nbits = 0;
	for (std::size_t i = 0; i < in.size(); ++i) {
		if (in[i] == '=') {
			// Padding only at the end, at most two.
			if (i + 2 < in.size() || (i + 1 < in.size() && in[i + 1] != '='))
				return std::nullopt;
			break;
		}
		const int v = base64_value(in[i]);
		if (v < 0)
			return std::nullopt;
		bits = (bits << 6) | static_cast<std::uint32_t>(v);
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out += static_cast<char>((bits >> nbits) & 0xff);
		}
	}
	return out;
}

} // namespace

BasicAuth::BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {}

bool BasicAuth::verify(std::string_view user, std::string_view password) const
{
	const auto it = users_.find(std::string(user));
	const std::string &hash = it != users_.end() ? it->second : std::string(unknown_user_hash);
	// crypt_data is large (tens of KiB): on the heap, not the stack.
	auto data = std::make_unique<crypt_data>();
	const std::string pw(password);
	const char *got = crypt_rn(pw.c_str(), hash.c_str(), data.get(), sizeof(*data));
	// Compared in constant time: how much of a guess matched must not
	// show in how long the answer took.
	const bool same = got && std::string_view(got).size() == hash.size() &&
			  CRYPTO_memcmp(got, hash.data(), hash.size()) == 0;
	return same && it != users_.end();
}

bool BasicAuth::allows(std::string_view authorization)
{
	if (open())
		return true;
	// The scheme's name is case-insensitive (RFC 7617).
	constexpr std::string_view scheme = "basic ";
	if (authorization.size() <= scheme.size())
		return false;
	for (std::size_t i = 0; i < scheme.size(); ++i)
		if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i])
			return false;
	Digest digest;
	SHA256(reinterpret_cast<const unsigned char *>(authorization.data()), authorization.size(),
	       digest.data());
	if (passed_.count(digest))
		return true;
	const std::optional<std::string> pair = base64_decode(authorization.substr(scheme.size()));
	const std::size_t colon = pair ? pair->find(':') : std::string::npos;
	if (colon == std::string::npos)
		return false;
	if (!verify(std::string_view(*pair).substr(0, colon),
		    std::string_view(*pair).substr(colon + 1)))
		return false;
	if (passed_.size() >= max_remembered)
		passed_.clear();
	passed_.insert(digest);
	return true;
}

} // namespace nettrace::exporter
