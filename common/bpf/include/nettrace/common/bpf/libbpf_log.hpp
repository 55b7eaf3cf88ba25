// SPDX-License-Identifier: MIT
// libbpf's messages, kept: a failure quotes the last of them, and -v
// prints them as they come.
#pragma once

#include <bpf/libbpf.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace nettrace::bpf {

// Routes libbpf's messages into a buffer of recent lines, so that a failure
// can quote them; with `verbose` they are also printed on stderr. Returns
// the printer installed before, for StartupSession to put back.
libbpf_print_fn_t capture_libbpf_log(bool verbose);
// The same for a plugin's check, which runs inside `nettrace doctor`:
// lines are kept, never printed here, and passed on to the printer that
// was installed before (doctor's, which prints them with doctor -v).
// Returns that printer.
libbpf_print_fn_t capture_libbpf_log_for_check();
// The last `max_lines` lines libbpf printed since the last clear.
std::string libbpf_log_tail(std::size_t max_lines);
void clear_libbpf_log();
// A line of nettrace's own about loading, kept and printed as libbpf's
// warnings are.
void log_load_warning(std::string_view line);

// The verifier's own words from the last failed load: the last `max_lines`
// lines between libbpf's BEGIN/END PROG LOAD LOG markers, joined into one.
std::string verifier_log_tail(std::size_t max_lines);

} // namespace nettrace::bpf
