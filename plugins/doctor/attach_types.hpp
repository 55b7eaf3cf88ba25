// SPDX-License-Identifier: MIT
// Each attach type nettrace's plugins use, tried for real with a program
// that does nothing, and when it fails, the errno and its likely cause.
#pragma once

#include "findings.hpp"
#include <nettrace/common/kernel/config.hpp>

#include <vector>

namespace nettrace::doctor {

std::vector<Finding> check_attach_types(const KernelConfig &config);

} // namespace nettrace::doctor
