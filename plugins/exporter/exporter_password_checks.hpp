// SPDX-License-Identifier: MIT
// Basic authentication's bcrypt away from the server's thread. bcrypt
// takes tens of milliseconds on purpose: on the thread that answers
// every request, a flood of wrong passwords would hold up every scrape.
// One worker thread checks passwords in turn and hands each answer back
// to the server's thread. A few checks may wait; beyond that a request is
// turned away at once, without bcrypt, so that a flood costs at most one
// core, holds bounded memory, and never delays a scraper whose
// credentials are remembered (those never come here).
#pragma once

#include "exporter_basic_auth.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <cstddef>
#include <functional>

namespace nettrace::exporter {

class PasswordChecks {
public:
	// Checks waiting or under way at once. Remembered credentials skip
	// the queue, so only new ones and wrong ones ever fill it.
	static constexpr std::size_t max_pending = 4;

	// Answers are handed to `server`, whose thread calls start().
	PasswordChecks(BasicAuth &auth, boost::asio::io_context &server);
	~PasswordChecks();
	PasswordChecks(const PasswordChecks &) = delete;
	PasswordChecks &operator=(const PasswordChecks &) = delete;

	// Starts checking `claim`: `done(passed)` runs later on the server's
	// thread, a claim that passed remembered first. False, with nothing
	// started, when max_pending checks are waiting or under way. On the
	// server's thread only.
	bool start(BasicAuth::Claim claim, std::function<void(bool passed)> done);
	// Lets the check under way finish and joins the worker; checks still
	// waiting are dropped unanswered.
	void stop();

private:
	BasicAuth &auth_;
	boost::asio::io_context &server_;
	std::size_t pending_ = 0; // on the server's thread only
	boost::asio::thread_pool worker_{1};
};

} // namespace nettrace::exporter
