// SPDX-License-Identifier: MIT
// The exporter's answer to `nettrace doctor` (plugin ABI 1.1).
#pragma once

#include <nettrace/plugin.hpp>

namespace nettrace::exporter {

void check(sdk::CheckReport &report);

} // namespace nettrace::exporter
