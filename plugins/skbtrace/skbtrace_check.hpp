// SPDX-License-Identifier: MIT
// skbtrace's answer to `nettrace doctor` (plugin ABI 1.1).
#pragma once

#include <nettrace/plugin.hpp>

namespace nettrace::skbtrace {

void check(sdk::CheckReport &report);

} // namespace nettrace::skbtrace
