// SPDX-License-Identifier: MIT
// A libbpf failure told as one line that names the cause and the fix.
#pragma once

#include <nettrace/common/bpf/attach.hpp>
#include <nettrace/errors.hpp>

#include <optional>
#include <string_view>

namespace nettrace::bpf {

// Turns a libbpf error (negative errno) at `stage` ("opening", "loading",
// "attaching") of `object` into a RuntimeError naming the cause and the
// fix, as explain() finds it; `kind`, when all of the object's programs
// attach one way, lets it name causes only that kind has.
[[noreturn]] void throw_bpf_error(std::string_view stage, std::string_view object, int err,
				  std::optional<AttachKind> kind = std::nullopt);

} // namespace nettrace::bpf
