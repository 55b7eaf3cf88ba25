// SPDX-License-Identifier: MIT
// A libbpf failure told as one line that names the cause and the fix.
#pragma once

#include <nettrace/errors.hpp>

#include <string_view>

namespace nettrace::bpf {

// Turns a libbpf error (negative errno) at `stage` ("loading", "attaching")
// of `object` into a RuntimeError naming the cause and the fix.
[[noreturn]] void throw_bpf_error(std::string_view stage, std::string_view object, int err);

} // namespace nettrace::bpf
