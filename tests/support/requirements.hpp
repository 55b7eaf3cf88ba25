// SPDX-License-Identifier: MIT
// Tests that need the kernel (BPF, namespaces) call NETTRACE_REQUIRE_BPF()
// first. Without root or BTF they skip and say why; under CI=true a skip
// would hide a broken suite, so it is a failure instead.
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace nettrace::test {

// Empty when the kernel side can be tested here, else the reason why not.
std::string bpf_unavailable_reason();
bool running_in_ci();
// Whether this runs in a guest of the kernel matrix (tests/vm), where user
// code runs 5-10 times slower under emulation. Memory growth of nettrace's
// own code is judged on the host, where timing is not distorted.
bool running_in_kernel_matrix();
// Whether skb:kfree_skb passes a drop reason here (5.17 on), from the
// kernel's BTF, read without the tools under test.
bool kernel_passes_drop_reasons();
// Whether it also passes the socket a received packet was meant for
// (rx_sk, 6.11 on).
bool kernel_passes_receiving_socket();

} // namespace nettrace::test

// Skips the test, saying why; under CI=true fails it instead.
#define NETTRACE_SKIP_OR_FAIL(why)                                     \
	do {                                                           \
		if (::nettrace::test::running_in_ci())                 \
			FAIL() << "required under CI=true: " << (why); \
		GTEST_SKIP() << (why);                                 \
	} while (0)

#define NETTRACE_REQUIRE_BPF()                                                       \
	do {                                                                         \
		const std::string why_ = ::nettrace::test::bpf_unavailable_reason(); \
		if (!why_.empty())                                                   \
			NETTRACE_SKIP_OR_FAIL("BPF: " + why_);                       \
	} while (0)
