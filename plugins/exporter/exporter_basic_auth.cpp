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

BasicAuth::Screened BasicAuth::screen(std::string_view authorization, Claim &claim) const
{
	if (open())
		return Screened::allowed;
	// The scheme's name is case-insensitive (RFC 7617).
	constexpr std::string_view scheme = "basic ";
	if (authorization.size() <= scheme.size())
		return Screened::refused;
	for (std::size_t i = 0; i < scheme.size(); ++i)
		if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i])
			return Screened::refused;
	SHA256(reinterpret_cast<const unsigned char *>(authorization.data()), authorization.size(),
	       claim.digest.data());
	if (passed_.count(claim.digest))
		return Screened::allowed;
	const std::optional<std::string> pair = base64_decode(authorization.substr(scheme.size()));
	const std::size_t colon = pair ? pair->find(':') : std::string::npos;
	// A NUL would end the password where crypt reads it, so that one
	// with anything after it would pass as the password before it.
	if (colon == std::string::npos || pair->find('\0') != std::string::npos)
		return Screened::refused;
	claim.user = pair->substr(0, colon);
	claim.password = pair->substr(colon + 1);
	return Screened::to_verify;
}

bool BasicAuth::verify(const Claim &claim) const
{
	const auto it = users_.find(claim.user);
	const std::string &hash = it != users_.end() ? it->second : std::string(unknown_user_hash);
	// crypt_data is large (tens of KiB): on the heap, not the stack.
	auto data = std::make_unique<crypt_data>();
	const char *got = crypt_rn(claim.password.c_str(), hash.c_str(), data.get(), sizeof(*data));
	// Compared in constant time: how much of a guess matched must not
	// show in how long the answer took.
	const bool same = got && std::string_view(got).size() == hash.size() &&
			  CRYPTO_memcmp(got, hash.data(), hash.size()) == 0;
	return same && it != users_.end();
}

void BasicAuth::remember(const Digest &digest)
{
	if (passed_.size() >= max_remembered)
		passed_.clear();
	passed_.insert(digest);
}

} // namespace nettrace::exporter
