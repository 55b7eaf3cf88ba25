// SPDX-License-Identifier: MIT
// What the kernel and this process offer a tracer, each read from where
// the kernel publishes it: BTF, privileges, the tracing file systems,
// kernel symbols, ring buffers, and what skb:kfree_skb says about drops.
#pragma once

#include "findings.hpp"
#include <nettrace/common/kernel/config.hpp>

#include <vector>

namespace nettrace::doctor {

std::vector<Finding> check_btf(const std::string &release);
std::vector<Finding> check_privileges();
std::vector<Finding> check_filesystems();
std::vector<Finding> check_kernel_symbols();
std::vector<Finding> check_drop_reporting();

} // namespace nettrace::doctor
