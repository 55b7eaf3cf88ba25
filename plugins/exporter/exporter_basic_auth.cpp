// SPDX-License-Identifier: MIT
#include "exporter_basic_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <crypt.h>

#include <algorithm>
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

bool base64_letter(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

// Standard base64 with padding, as RFC 7617 asks; nothing otherwise.
// OpenSSL decodes, but EVP_DecodeBlock forgives what the RFC does not:
// it skips whitespace before and line ends or dashes after, takes '='
// anywhere as zero bits, and counts padding as decoded zero bytes. So
// the text is checked first: only the alphabet, in groups of four, with
// at most two '=' and only at the end.
std::optional<std::string> base64_decode(std::string_view in)
{
	if (in.empty() || in.size() % 4 != 0)
		return std::nullopt;
	std::size_t padding = 0;
	while (padding < 2 && in[in.size() - 1 - padding] == '=')
		++padding;
	if (!std::all_of(in.begin(), in.end() - static_cast<std::ptrdiff_t>(padding),
			 base64_letter))
		return std::nullopt;
	std::string out(in.size() / 4 * 3, '\0');
	const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char *>(out.data()),
				      reinterpret_cast<const unsigned char *>(in.data()),
				      static_cast<int>(in.size()));
	if (n < 0 || static_cast<std::size_t>(n) != out.size())
		return std::nullopt;
	out.resize(out.size() - padding);
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
	// A NUL would end the password where crypt reads it, so that one
	// with anything after it would pass as the password before it.
	if (colon == std::string::npos || pair->find('\0') != std::string::npos)
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
