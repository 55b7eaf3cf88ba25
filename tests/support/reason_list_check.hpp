// SPDX-License-Identifier: MIT
// What `nettrace CMD --list-reasons` must agree with: the code of a drop
// reason as the kernel's own tracefs format of skb:kfree_skb prints it,
// read here without the project's code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace nettrace::test {

// The code tracefs gives reason `name` ("NO_SOCKET"); none when the
// kernel's kfree_skb passes no reason (before 5.17) or tracefs is absent.
std::optional<std::uint32_t> tracefs_reason_code(const std::string &name);

// `nettrace TOOL --list-reasons`, as text and with --json, run by root and
// by a user without any capability: exits 0 both ways, printing the same,
// with NO_SOCKET under `code` in subsystem CORE. A user who may not load
// BPF gets the list: nothing is loaded or attached for it.
void expect_reasons_listed(const std::string &tool, std::uint32_t no_socket_code);

} // namespace nettrace::test
