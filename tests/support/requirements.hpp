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

} // namespace nettrace::test

#define NETTRACE_REQUIRE_BPF()                                                 \
	do {                                                                   \
		const std::string why_ = ::nettrace::test::bpf_unavailable_reason(); \
		if (!why_.empty()) {                                           \
			if (::nettrace::test::running_in_ci())                 \
				FAIL() << "BPF required under CI=true: " << why_; \
			GTEST_SKIP() << why_;                                  \
		}                                                              \
	} while (0)
