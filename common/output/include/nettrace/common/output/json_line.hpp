// SPDX-License-Identifier: MIT
// Records as JSON Lines: one object per line, as every --json output is
// written, so that a reader can take them one line at a time.
#pragma once

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace nettrace {

// Appends `record` on one line, ending it with '\n'. Text that is not
// valid UTF-8 (task names, interface names are bytes to the kernel) is
// written with U+FFFD in place of the bad bytes: a record is never lost to
// its encoding.
void append_json_line(fmt::memory_buffer &out, const nlohmann::ordered_json &record);

} // namespace nettrace
