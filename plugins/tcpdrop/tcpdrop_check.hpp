// SPDX-License-Identifier: MIT
// tcpdrop's answer to `nettrace doctor` (plugin ABI 1.1).
#pragma once

#include <nettrace/plugin.hpp>

namespace nettrace::tcpdrop {

void check(sdk::CheckReport &report);

} // namespace nettrace::tcpdrop
