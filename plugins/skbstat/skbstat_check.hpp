// SPDX-License-Identifier: MIT
// skbstat's answer to `nettrace doctor` (plugin ABI 1.1).
#pragma once

#include <nettrace/plugin.hpp>

namespace nettrace::skbstat {

void check(sdk::CheckReport &report);

} // namespace nettrace::skbstat
