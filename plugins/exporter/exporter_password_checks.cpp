// SPDX-License-Identifier: MIT
#include "exporter_password_checks.hpp"

#include <boost/asio/post.hpp>

namespace nettrace::exporter {

namespace asio = boost::asio;

PasswordChecks::PasswordChecks(BasicAuth &auth, asio::io_context &server)
    : auth_(auth), server_(server)
{
}

PasswordChecks::~PasswordChecks()
{
	stop();
}

bool PasswordChecks::start(BasicAuth::Claim claim, std::function<void(bool passed)> done)
{
	if (pending_ >= max_pending)
		return false;
	++pending_;
	asio::post(worker_, [this, claim = std::move(claim), done = std::move(done)]() mutable {
		const bool passed = auth_.verify(claim);
		asio::post(server_, [this, passed, digest = claim.digest, done = std::move(done)] {
			--pending_;
			if (passed)
				auth_.remember(digest);
			done(passed);
		});
	});
	return true;
}

void PasswordChecks::stop()
{
	worker_.stop();
	worker_.join();
}

} // namespace nettrace::exporter
