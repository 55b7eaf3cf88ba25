// SPDX-License-Identifier: MIT
// What the verifier will ask of a translated block's shape, checked without
// a kernel: the fuzz target runs it on every block it makes.
#pragma once

#include <nettrace/common/pcap/translate.hpp>

#include <string>

namespace nettrace::pcap {

// Empty when every jump stays inside the block or lands just past it (the
// jump back), only forward, every instruction is reachable, only r0-r9 are
// named and the only call is bpf_probe_read_kernel; else what is wrong.
std::string check_block(const EbpfBlock &block);

} // namespace nettrace::pcap
