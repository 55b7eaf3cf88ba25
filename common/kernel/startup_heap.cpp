// SPDX-License-Identifier: MIT
#include <nettrace/common/kernel/startup_heap.hpp>

#include <cstdint>
#include <cstdlib>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 // Linux 5.14
#endif

namespace nettrace {

namespace {

bool in_startup = false;
bool keeping = false;
bool kept_once = false;

// glibc's defaults, restored on release.
constexpr int default_trim_threshold = 128 * 1024;
constexpr int default_mmap_threshold = 128 * 1024;
// glibc's largest mmap threshold on 64-bit systems.
constexpr int largest_mmap_threshold = 32 * 1024 * 1024;

} // namespace

void keep_heap_for_btf_parsing(std::size_t btf_bytes)
{
	if (kept_once || !in_startup)
		return;
	kept_once = keeping = true;
	// Blocks this large come from the heap instead of their own mapping,
	// and freeing them does not give the pages back.
	mallopt(M_MMAP_THRESHOLD, largest_mmap_threshold);
	mallopt(M_TRIM_THRESHOLD, INT32_MAX);

	// libbpf reads the file into one block and copies it into another
	// (then indexes the types, a few percent more, left to fault in):
	// populating more than the parse uses would raise the peak.
	const std::size_t room = btf_bytes * 2;
	void *block = std::malloc(room);
	if (!block)
		return;
	const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
	const auto start = (reinterpret_cast<std::uintptr_t>(block) + page - 1) & ~(page - 1);
	const auto end = (reinterpret_cast<std::uintptr_t>(block) + room) & ~(page - 1);
	// Older kernels refuse the advice; their pages fault in as before.
	if (end > start)
		madvise(reinterpret_cast<void *>(start), end - start, MADV_POPULATE_WRITE);
	std::free(block);
}

void begin_startup_heap()
{
	in_startup = true;
}

void end_startup_heap()
{
	if (!in_startup)
		return;
	in_startup = false;
	if (keeping) {
		keeping = false;
		mallopt(M_TRIM_THRESHOLD, default_trim_threshold);
	}
	// A fixed threshold, not glibc's sliding one: that one rises to the
	// size of each large block freed, after which blocks that size (an
	// exporter's scrape text, megabytes) come from the heap and stay in
	// the process when freed. Fixed, they are mapped for themselves and
	// given back at once, so a long run's RSS follows what it holds.
	mallopt(M_MMAP_THRESHOLD, default_mmap_threshold);
	// Loading leaves freed blocks below live ones, where the trim
	// threshold never reaches them: give their pages back once, so the
	// hours of tracing that follow do not carry the loader's peak.
	malloc_trim(0);
}

} // namespace nettrace
