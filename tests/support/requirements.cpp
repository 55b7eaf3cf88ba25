// SPDX-License-Identifier: MIT
#include "requirements.hpp"

#include <nettrace/common/kernel/btf.hpp>

#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace nettrace::test {

bool running_in_ci()
{
	const char *ci = std::getenv("CI");
	return ci && (std::strcmp(ci, "true") == 0 || std::strcmp(ci, "1") == 0);
}

bool running_in_kernel_matrix()
{
	return std::getenv("NETTRACE_EXPECT_ATTACH") != nullptr;
}

bool kernel_passes_drop_reasons()
{
	static const bool passes = KernelBtf().tracepoint_arg_count("kfree_skb").value_or(0) >= 3;
	return passes;
}

bool kernel_passes_receiving_socket()
{
	static const bool passes = KernelBtf().tracepoint_arg_count("kfree_skb").value_or(0) >= 4;
	return passes;
}

std::string bpf_unavailable_reason()
{
	if (geteuid() != 0)
		return "needs root (BPF programs, network namespaces)";
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		return "kernel has no BTF (/sys/kernel/btf/vmlinux)";
	return {};
}

} // namespace nettrace::test
