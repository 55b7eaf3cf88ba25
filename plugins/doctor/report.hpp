// SPDX-License-Identifier: MIT
// doctor's output: text grouped OK / DEGRADED / MISSING, one line per
// check and its fix under it, then one verdict per plugin; or one JSON
// object for scripts.
#pragma once

#include "findings.hpp"

#include <cstdio>

namespace nettrace::doctor {

void print_text(std::FILE *out, const Diagnosis &d);
void print_json(std::FILE *out, const Diagnosis &d);

} // namespace nettrace::doctor
