// SPDX-License-Identifier: MIT
// Split into <nettrace/common/bpf/skeleton.hpp> (with libbpf_log.hpp,
// load_errors.hpp and btf_attach.hpp) and
// <nettrace/common/preflight/privileges.hpp>; this path stays for plugins
// written before common/ had rooms, and goes with the next SDK major.
#pragma once

#include <nettrace/common/bpf/skeleton.hpp>
#include <nettrace/common/preflight/privileges.hpp>

namespace nettrace::bpf {
using preflight::current_privileges;
using preflight::lockdown_mode;
using preflight::missing_privileges;
using preflight::Privileges;
using preflight::require_bpf_environment;
} // namespace nettrace::bpf
