// SPDX-License-Identifier: MIT
// The pcap-filter expression of a command line, in every BPF object the
// command loads: Skeleton puts it at the markers (nettrace/pcap_filter.bpf.h)
// of each program between open and load, so that best-effort and variant
// objects get it as the main one does.
//
// Process-wide, like libbpf's printer: a command sets it once while it
// parses its options, before it opens any object; doctor runs each check
// in a child process of its own, so no check sees another's.
#pragma once

#include <nettrace/common/pcap/translate.hpp>

#include <bpf/libbpf.h>

namespace nettrace::bpf {

// The translated expression every object opened from now on gets. Without
// one (or with an empty block) each marker becomes "match", which the
// programs' own rodata flag (nt_filter.has_expression) never reaches.
void set_packet_expression(pcap::EbpfBlock block);
bool packet_expression_given();

// Before loading `object`: puts the expression at its markers. Throws
// RuntimeError when libbpf refuses the new instructions.
void put_packet_expression(bpf_object *object);
// After loading it: throws RuntimeError when a marker was left in a
// function the compiler did not inline, where it would match everything.
void check_packet_expression(bpf_object *object);

// Whether a load that failed with `err` (negative errno) with an
// expression given is the verifier refusing the expression's program.
bool expression_refused(int err);
// One line, exit 2: the expression could not be loaded, and libbpf's last
// line on why.
[[noreturn]] void throw_expression_refused();

} // namespace nettrace::bpf
