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

// Start-up, from a command's first step to its programs being loaded: only
// within it does a BTF parse keep the heap. StartupSession (common/tool)
// begins and ends it; nothing else needs to.
void begin_startup_heap();
// Gives the memory kept since, and every free page loading left in the
// heap, back to the kernel. Called once the programs are loaded, before a
// ring buffer is mapped, the kernel's symbols are read or events are
// handled: kept pages would add to all of them. Only the first call after
// begin_startup_heap() does anything.
void end_startup_heap();

// Within start-up, keeps freed heap memory mapped and populates room for
// parsing a BTF file of `btf_bytes`. Only the first call does anything;
// outside start-up nothing.
void keep_heap_for_btf_parsing(std::size_t btf_bytes);

} // namespace nettrace
