// SPDX-License-Identifier: MIT
// The first start on a kernel parses its BTF (5+ MB) more than once: to
// pick program variants and name drop reasons, then to make each BPF
// object's small BTF (later starts find all of it in the kernel cache and
// parse none). Each parse allocates about twice the file's size, and on a
// virtual machine faulting those pages in one by one costs more than the
// parsing itself (about 25 of 37 ms). So, between the first parse and the
// end of loading, freed heap memory stays mapped for the next parse to
// reuse, and it is populated up front in one call.
#pragma once

#include <cstddef>

namespace nettrace {

// Keeps freed heap memory mapped and populates room for parsing a BTF file
// of `btf_bytes`. Only the first call does anything.
void keep_heap_for_btf_parsing(std::size_t btf_bytes);

// Gives the memory kept since back to the kernel. Start-up is over, and
// this is called, when a ring buffer is mapped (EventLoop::add_ring_buffer),
// the kernel's symbols are read (KernelSymbols::load) or the event loop
// starts (EventLoop::run), whichever comes first: all come after programs
// are loaded. Does nothing if nothing was kept.
void release_startup_heap();

} // namespace nettrace
