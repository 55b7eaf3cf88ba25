// SPDX-License-Identifier: MIT
// StartupSession owns what a command's start changes process-wide: libbpf's
// printer, put back when the session ends, and the heap kept for parsing
// BTF, given back when the programs are loaded. Each test runs in its own
// process (ctest), with a kernel cache of its own.
#include "cache_directory.hpp"
#include "requirements.hpp"

#include <nettrace/common/kernel/btf.hpp>
#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/common/tool/startup_session.hpp>

#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <cstdarg>
#include <cstdlib>
#include <filesystem>
#include <malloc.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace nettrace;

namespace {

int printer_before_the_session(enum libbpf_print_level, const char *, va_list)
{
	return 0;
}

// A kernel cache of this test's own, empty: the first read parses BTF.
struct FreshCache : test::CacheDirectory {
	FreshCache() { use(path()); }
};

std::size_t heap_bytes()
{
	return mallinfo2().arena;
}

} // namespace

TEST(StartupSession, PutsLibbpfsPrinterBackWhenItEnds)
{
	NETTRACE_REQUIRE_BPF();
	libbpf_set_print(printer_before_the_session);
	{
		StartupSession session;
		session.begin_tracing(false);
		// The session's printer is in place while it lasts.
		const libbpf_print_fn_t during = libbpf_set_print(nullptr);
		EXPECT_NE(during, printer_before_the_session);
		libbpf_set_print(during);
	}
	EXPECT_EQ(libbpf_set_print(nullptr), printer_before_the_session);
}

TEST(StartupSession, GivesTheKeptHeapBackOnceProgramsAreLoaded)
{
	NETTRACE_REQUIRE_BPF();
	const FreshCache cache;
	ASSERT_FALSE(cache.path().empty());
	struct stat btf_file {};
	ASSERT_EQ(stat(KernelBtf::vmlinux_path, &btf_file), 0);
	const auto btf_bytes = static_cast<std::size_t>(btf_file.st_size);

	StartupSession session;
	const unsigned parses = KernelBtf::parses();
	const KernelFacts facts = KernelFacts::read();
	ASSERT_EQ(KernelBtf::parses(), parses + 1) << "the cache should have been cold";
	// The parse is freed, but its memory stays mapped for the next one.
	const std::size_t kept = heap_bytes();
	EXPECT_GE(kept, btf_bytes);
	session.programs_loaded();
	EXPECT_LE(heap_bytes() + btf_bytes, kept)
		<< "kept " << kept << " bytes, now " << heap_bytes();
}
