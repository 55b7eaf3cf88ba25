// SPDX-License-Identifier: MIT
// Clients that flood nettrace exporter with wrong passwords: each keeps
// one connection to 127.0.0.1 and sends GET /metrics with its
// Authorization header again as soon as the last one is answered (a
// moment later when told to wait, 503), until stopped. What came back is
// counted by status.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace nettrace::test {

class PasswordFlood {
public:
	struct Counts {
		std::atomic<int> unauthorized{0}; // 401
		std::atomic<int> busy{0};         // 503
		std::atomic<int> busy_without_retry_after{0};
		std::atomic<int> other{0}; // another status, or no answer
	};

	// One client for each of `authorizations` (the header's values).
	PasswordFlood(std::uint16_t port, const std::vector<std::string> &authorizations);
	~PasswordFlood();
	PasswordFlood(const PasswordFlood &) = delete;
	PasswordFlood &operator=(const PasswordFlood &) = delete;

	const Counts &counts() const { return counts_; }
	// Each client stops once its request under way is answered.
	void stop();

private:
	void run(std::uint16_t port, std::string authorization);

	Counts counts_;
	std::atomic<bool> stop_{false};
	std::vector<std::thread> clients_;
};

} // namespace nettrace::test
