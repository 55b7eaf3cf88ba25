// SPDX-License-Identifier: MIT
// Puts a translated filter at each marker (pcap_filter.h) of an opened,
// not yet loaded BPF object.
//
// The block goes at the end of the program's instructions and the marker
// becomes a jump to it; the block ends with a jump back to the instruction
// after the marker. Nothing before the end moves, so every relocation
// libbpf recorded at open (CO-RE, maps, calls into subprograms, all kept
// by instruction index) still points where it did, and libbpf appends the
// subprograms after the block when it loads.
#pragma once

#include <nettrace/common/pcap/translate.hpp>

#include <bpf/libbpf.h>
#include <cstddef>

namespace nettrace::pcap {

// With an empty block, each marker becomes "r0 = 1": every packet matches.
// Returns how many markers were found in all programs. Throws
// RuntimeError when libbpf refuses the new instructions or the program is
// too long for a jump to reach the block.
std::size_t inject(bpf_object *object, const EbpfBlock &block);

// The same for one program.
std::size_t inject(bpf_program *program, const EbpfBlock &block);

// After loading: throws RuntimeError naming the program when a marker is
// still there. That is one in a function the compiler did not inline,
// which libbpf adds to the program only at load, after inject() looked:
// left alone it would match every packet.
void check_no_marker_left(bpf_object *object);

} // namespace nettrace::pcap
