// SPDX-License-Identifier: MIT
#include <nettrace/common/kernel/live_symbols.hpp>
#include <nettrace/common/kernel/symbols.hpp>
#include <nettrace/common/output/stack_frames.hpp>

#include "requirements.hpp"

#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace nettrace {
namespace {

// Shaped like the real file: aliases and section markers at one address,
// __pfx_ padding symbols, data symbols between functions, the _etext
// marker, and module symbols (listed after the core kernel, out of
// address order).
constexpr std::string_view fixture = R"(0000000000000000 A fixed_percpu_data
ffffffff81000000 T _stext
ffffffff81000000 T _text
ffffffff81000000 T startup_64
ffffffff81000100 t __pfx_helper
ffffffff81000110 t helper
ffffffff81000200 D some_data
ffffffff81000300 T __pfx_tcp_v4_rcv
ffffffff81000310 T tcp_v4_rcv
ffffffff81000f00 W weak_hook
ffffffff81001000 T _etext
ffffffff82000000 d after_text_data
ffffffffc0a01000 t nft_do_chain	[nf_tables]
ffffffffc0a02000 t nft_trace_init	[nf_tables]
ffffffffc0a00000 t nf_tables_init_net	[nf_tables]
ffffffffc0b00000 t ovs_vport_receive	[openvswitch]
ffffffffc0c00000 t bpf_prog_6deef7357e7b4530_drop	[bpf]
)";

TEST(KernelSymbolsFixture, ResolvesInsideAFunction)
{
	const auto symbols = KernelSymbols::from_text(fixture);
	ASSERT_FALSE(symbols.addresses_hidden());
	const auto symbol = symbols.resolve(0xffffffff81000399);
	ASSERT_TRUE(symbol);
	EXPECT_EQ(symbol->name, "tcp_v4_rcv");
	EXPECT_EQ(symbol->address, 0xffffffff81000310u);
	EXPECT_EQ(symbol->offset, 0x89u);
	EXPECT_TRUE(symbol->module.empty());
	EXPECT_EQ(symbols.format(0xffffffff81000399), "tcp_v4_rcv+0x89");
}

TEST(KernelSymbolsFixture, ResolvesExactlyAtTheStart)
{
	const auto symbols = KernelSymbols::from_text(fixture);
	EXPECT_EQ(symbols.format(0xffffffff81000310), "tcp_v4_rcv+0x0");
	EXPECT_EQ(symbols.format(0xffffffff81000300), "__pfx_tcp_v4_rcv+0x0");
	// The last byte before the next symbol still belongs to this one.
	EXPECT_EQ(symbols.format(0xffffffff810002ff), "helper+0x1ef");
}

TEST(KernelSymbolsFixture, DataSymbolsDoNotEndAFunction)
{
	const auto symbols = KernelSymbols::from_text(fixture);
	EXPECT_EQ(symbols.format(0xffffffff81000210), "helper+0x100");
}

TEST(KernelSymbolsFixture, WeakFunctionsAreKept)
{
	const auto symbols = KernelSymbols::from_text(fixture);
	EXPECT_EQ(symbols.format(0xffffffff81000f08), "weak_hook+0x8");
}

TEST(KernelSymbolsFixture, AliasesResolveToTheFunctionNotTheMarker)
{
	const auto symbols = KernelSymbols::from_text(fixture);
	EXPECT_EQ(symbols.format(0xffffffff81000004), "startup_64+0x4");
}

TEST(KernelSymbolsFixture, NothingBeforeTheFirstSymbol)
{
	const auto symbols = KernelSymbols::from_text(fixture);
	EXPECT_FALSE(symbols.resolve(0xffffffff80ffffff));
	EXPECT_FALSE(symbols.resolve(0));
	EXPECT_EQ(symbols.format(0xffffffff80ffffff), "0xffffffff80ffffff");
}

TEST(KernelSymbolsFixture, NothingPastTheEndOfText)
{
	const auto symbols = KernelSymbols::from_text(fixture);
	EXPECT_EQ(symbols.format(0xffffffff81000fff), "weak_hook+0xff");
	EXPECT_FALSE(symbols.resolve(0xffffffff81001000));
	EXPECT_FALSE(symbols.resolve(0xffffffff81001234));
	EXPECT_EQ(symbols.format(0xffffffff82000010), "0xffffffff82000010");
}

TEST(KernelSymbolsFixture, NothingFarPastTheLastSymbolOfAModule)
{
	const auto symbols = KernelSymbols::from_text(fixture);
	const uint64_t last = 0xffffffffc0c00000;
	EXPECT_TRUE(symbols.resolve(last + KernelSymbols::max_symbol_span - 1));
	EXPECT_FALSE(symbols.resolve(last + KernelSymbols::max_symbol_span));
	EXPECT_FALSE(symbols.resolve(UINT64_MAX));
}

TEST(KernelSymbolsFixture, ModuleSymbols)
{
	const auto symbols = KernelSymbols::from_text(fixture);
	EXPECT_EQ(symbols.module_count(), 3u);
	const auto symbol = symbols.resolve(0xffffffffc0a0193c);
	ASSERT_TRUE(symbol);
	EXPECT_EQ(symbol->name, "nft_do_chain");
	EXPECT_EQ(symbol->offset, 0x93cu);
	EXPECT_EQ(symbol->module, "nf_tables");
	EXPECT_EQ(symbols.format(0xffffffffc0a0193c), "nft_do_chain+0x93c [nf_tables]");
	// Listed after nft_do_chain, placed before it: sorted on load.
	EXPECT_EQ(symbols.format(0xffffffffc0a00010), "nf_tables_init_net+0x10 [nf_tables]");
	EXPECT_EQ(symbols.format(0xffffffffc0b00042), "ovs_vport_receive+0x42 [openvswitch]");
	EXPECT_EQ(symbols.format(0xffffffffc0c00010), "bpf_prog_6deef7357e7b4530_drop+0x10 [bpf]");
}

TEST(KernelSymbolsFixture, FormatToAppends)
{
	const auto symbols = KernelSymbols::from_text(fixture);
	fmt::memory_buffer out;
	symbols.format_to(out, 0xffffffff81000311);
	out.push_back(' ');
	symbols.format_to(out, 0xffffffffc0a02001);
	out.push_back(' ');
	symbols.format_to(out, 0x1234);
	EXPECT_EQ(fmt::to_string(out), "tcp_v4_rcv+0x1 nft_trace_init+0x1 [nf_tables] "
				       "0x0000000000001234");
}

TEST(KernelSymbolsFixture, ZeroedAddressesAreHidden)
{
	const auto symbols =
		KernelSymbols::from_text("0000000000000000 T _stext\n"
					 "0000000000000000 T startup_64\n"
					 "0000000000000000 t tcp_v4_rcv\n"
					 "0000000000000000 t nft_do_chain\t[nf_tables]\n");
	EXPECT_TRUE(symbols.addresses_hidden());
	EXPECT_NE(symbols.hidden_reason().find("kptr_restrict"), std::string_view::npos);
	EXPECT_EQ(symbols.size(), 0u);
	EXPECT_FALSE(symbols.resolve(0));
	EXPECT_FALSE(symbols.resolve(0xffffffff81000310));
	EXPECT_EQ(symbols.format(0xffffffff81000310), "0xffffffff81000310");
}

TEST(KernelSymbolsFixture, EmptyAndMalformedInput)
{
	const auto empty = KernelSymbols::from_text("");
	EXPECT_FALSE(empty.addresses_hidden());
	EXPECT_FALSE(empty.resolve(0xffffffff81000000));

	const auto garbage = KernelSymbols::from_text("not a symbol line\n"
						      "ffffffff8100000 \n"
						      "12345678901234567 T too_wide\n"
						      "ffffffff81000000 T good\n"
						      "ffffffff81000100 T");
	EXPECT_EQ(garbage.size(), 1u);
	EXPECT_EQ(garbage.format(0xffffffff81000001), "good+0x1");
}

TEST(KernelSymbolsFixture, MissingFileThrows)
{
	EXPECT_THROW(KernelSymbols::load("/nonexistent/kallsyms"), std::runtime_error);
}

// Reading real addresses needs root (or CAP_SYSLOG with kptr_restrict=1).
// Outside CI a non-root run skips and says so; under CI=true the
// requirement fails instead, so a broken runner cannot pass silently.
#define REQUIRE_ROOT()                                                         \
	do {                                                                   \
		if (geteuid() != 0) {                                          \
			if (::nettrace::test::running_in_ci())                 \
				NETTRACE_REQUIRE_BPF();                        \
			GTEST_SKIP() << "needs root to read kernel addresses " \
					"from /proc/kallsyms";                 \
		}                                                              \
	} while (0)

// The address the file itself gives `name`, found without the code under
// test.
uint64_t address_in_kallsyms(const std::string &name)
{
	std::ifstream in(KernelSymbols::default_path);
	std::string line;
	while (std::getline(in, line)) {
		std::istringstream fields(line);
		std::string address, type, symbol;
		fields >> address >> type >> symbol;
		if (symbol == name && (type == "T" || type == "t"))
			return std::stoull(address, nullptr, 16);
	}
	return 0;
}

TEST(KernelSymbolsLive, ResolvesAKnownFunction)
{
	REQUIRE_ROOT();
	const auto symbols = KernelSymbols::load();
	ASSERT_FALSE(symbols.addresses_hidden()) << symbols.hidden_reason();
	EXPECT_GT(symbols.size(), 10000u);

	const uint64_t tcp_v4_rcv = address_in_kallsyms("tcp_v4_rcv");
	ASSERT_NE(tcp_v4_rcv, 0u) << "tcp_v4_rcv is not in /proc/kallsyms";
	const auto symbol = symbols.resolve(tcp_v4_rcv + 0x10);
	ASSERT_TRUE(symbol);
	EXPECT_EQ(symbol->name, "tcp_v4_rcv");
	EXPECT_EQ(symbol->offset, 0x10u);
	EXPECT_EQ(symbols.format(tcp_v4_rcv + 0x10), "tcp_v4_rcv+0x10");
}

TEST(KernelSymbolsLive, NothingPastTheKernelsText)
{
	REQUIRE_ROOT();
	const auto symbols = KernelSymbols::load();
	const uint64_t etext = address_in_kallsyms("_etext");
	if (etext == 0)
		GTEST_SKIP() << "this kernel lists no _etext";
	EXPECT_FALSE(symbols.resolve(etext + 0x100));
}

TEST(KernelSymbolsLive, UnprivilegedReaderSeesHiddenAddresses)
{
	REQUIRE_ROOT();
	// The kernel decides what to show from the opener's credentials, so
	// open the file as nobody, in a child that can drop root for good.
	// Exit codes: 0 hidden and reported so, 1 hidden but not reported,
	// 2 could not drop root, 3 this kernel shows addresses to nobody.
	const pid_t child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(2);
		const auto symbols = KernelSymbols::load();
		if (address_in_kallsyms("tcp_v4_rcv") != 0)
			_exit(3);
		_exit(symbols.addresses_hidden() && !symbols.resolve(0xffffffff81000000) ? 0 : 1);
	}
	int status = 0;
	ASSERT_EQ(waitpid(child, &status, 0), child);
	ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status) == 3)
		GTEST_SKIP() << "kptr_restrict and perf_event_paranoid show "
				"kernel addresses to unprivileged users here";
	EXPECT_EQ(WEXITSTATUS(status), 0)
		<< "1: zero addresses not reported hidden, 2: cannot drop root";
}

} // namespace
} // namespace nettrace

TEST(KernelSymbolsReturnAddress, CallAtTheEndOfAFunctionNamesTheCaller)
{
	const auto symbols = nettrace::KernelSymbols::from_text("ffffffff81000000 T caller\n"
								"ffffffff81000040 T next_function\n"
								"ffffffff81000080 T _etext\n");
	fmt::memory_buffer out;
	// A return address right after caller's last instruction (a call to
	// a function that never returns) is next_function's first byte.
	symbols.format_return_address_to(out, 0xffffffff81000040);
	EXPECT_EQ(fmt::to_string(out), "caller+0x40");
	out.clear();
	symbols.format_return_address_to(out, 0xffffffff81000045);
	EXPECT_EQ(fmt::to_string(out), "next_function+0x5");
	out.clear();
	symbols.format_to(out, 0xffffffff81000040);
	EXPECT_EQ(fmt::to_string(out), "next_function+0x0");
}

namespace nettrace {
namespace {

// A kallsyms-format file under /tmp that a test rewrites while a
// LiveKernelSymbols reads it, as the kernel's changes when code is loaded.
struct SymbolFile {
	SymbolFile()
	{
		char name[] = "/tmp/nettrace-kallsyms-XXXXXX";
		const int fd = mkstemp(name);
		if (fd >= 0)
			close(fd);
		path = name;
	}
	~SymbolFile() { unlink(path.c_str()); }
	void write(const std::string &text) const { std::ofstream(path) << text; }
	std::string path;
};

constexpr std::string_view core_text =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000100 T tcp_v4_rcv\n"
	"ffffffff81001000 T _etext\n"
	"ffffffffa0000000 t bpf_prog_aaaaaaaaaaaaaaaa_early\t[bpf]\n";
// A program the kernel packed right after the first one.
constexpr std::string_view with_a_bpf_program =
	"ffffffffa0001000 t bpf_prog_0123456789abcdef_late\t[bpf]\n";
constexpr auto at_once = std::chrono::nanoseconds(0);

std::string formatted(LiveKernelSymbols &symbols, std::uint64_t address)
{
	fmt::memory_buffer out;
	symbols.format_return_address_to(out, address);
	return fmt::to_string(out);
}

TEST(LiveKernelSymbolsFixture, AFrameOfAProgramLoadedSinceIsNamedAfterIt)
{
	SymbolFile file;
	file.write(std::string(core_text));
	LiveKernelSymbols symbols("test", file.path, at_once);
	symbols.load();
	// Core kernel text never moves: named at once, never a reason to read.
	EXPECT_EQ(formatted(symbols, 0xffffffff81000110), "tcp_v4_rcv+0x10");
	EXPECT_EQ(symbols.reloads(), 0u);
	// Without reading again, this frame would be early+0x1020.
	file.write(std::string(core_text) + std::string(with_a_bpf_program));
	EXPECT_EQ(formatted(symbols, 0xffffffffa0001020),
		  "bpf_prog_0123456789abcdef_late+0x20 [bpf]");
	EXPECT_EQ(symbols.reloads(), 1u);
	EXPECT_EQ(formatted(symbols, 0xffffffffa0001020),
		  "bpf_prog_0123456789abcdef_late+0x20 [bpf]");
	EXPECT_EQ(symbols.reloads(), 1u);
}

TEST(LiveKernelSymbolsFixture, AFrameThatNamesNothingReadsTheFileAgain)
{
	SymbolFile file;
	file.write("ffffffff81000000 T _stext\nffffffff81001000 T _etext\n");
	LiveKernelSymbols symbols("test", file.path, at_once);
	symbols.load();
	file.write("ffffffff81000000 T _stext\nffffffff81001000 T _etext\n"
		   "ffffffffc0a01000 t nft_do_chain\t[nf_tables]\n");
	EXPECT_EQ(formatted(symbols, 0xffffffffc0a01010), "nft_do_chain+0x10 [nf_tables]");
	EXPECT_EQ(symbols.reloads(), 1u);
}

TEST(LiveKernelSymbolsFixture, ReadsAgainAtMostOncePerInterval)
{
	SymbolFile file;
	file.write(std::string(core_text));
	LiveKernelSymbols symbols("test", file.path, std::chrono::seconds(2));
	symbols.load();
	file.write(std::string(core_text) + std::string(with_a_bpf_program));
	// Within the interval of the first read: shown as the old table says.
	EXPECT_EQ(formatted(symbols, 0xffffffffa0001020),
		  "bpf_prog_aaaaaaaaaaaaaaaa_early+0x1020 [bpf]");
	EXPECT_EQ(symbols.reloads(), 0u);
	std::this_thread::sleep_for(std::chrono::milliseconds(2100));
	EXPECT_EQ(formatted(symbols, 0xffffffffa0001020),
		  "bpf_prog_0123456789abcdef_late+0x20 [bpf]");
	EXPECT_EQ(symbols.reloads(), 1u);
	// A storm of frames no read has settled yet: none before the interval.
	for (std::uint64_t i = 0; i < 10000; ++i)
		EXPECT_EQ(formatted(symbols, 0xffffffffb0000000 + i),
			  fmt::format("0x{:016x}", 0xffffffffb0000000 + i));
	EXPECT_EQ(symbols.reloads(), 1u);
}

TEST(LiveKernelSymbolsFixture, AFrameSettledByAReadNeverCausesAnother)
{
	SymbolFile file;
	file.write(std::string(core_text));
	LiveKernelSymbols symbols("test", file.path, at_once);
	symbols.load();
	for (int i = 0; i < 1000; ++i)
		EXPECT_EQ(formatted(symbols, 0xffffffffb0001020), "0xffffffffb0001020");
	EXPECT_EQ(symbols.reloads(), 1u);
	// Another frame is worth one read of its own.
	formatted(symbols, 0xffffffffb0002020);
	EXPECT_EQ(symbols.reloads(), 2u);
	// Address 0 (no frame) never is.
	formatted(symbols, 0);
	EXPECT_EQ(symbols.reloads(), 2u);
}

TEST(LiveKernelSymbolsFixture, HiddenAddressesAreWarnedAboutAndNeverReadAgain)
{
	SymbolFile file;
	file.write("0000000000000000 T _stext\n0000000000000000 t tcp_v4_rcv\n");
	LiveKernelSymbols symbols("test", file.path, at_once);
	testing::internal::CaptureStderr();
	symbols.load();
	const std::string warning = testing::internal::GetCapturedStderr();
	EXPECT_EQ(warning, "test: " + symbols.table().hidden_warning() + "\n");
	EXPECT_NE(warning.find("stacks and drop sites are shown as addresses"), std::string::npos);
	EXPECT_EQ(formatted(symbols, 0xffffffff81000110), "0xffffffff81000110");
	EXPECT_EQ(formatted(symbols, 0xffffffff81000120), "0xffffffff81000120");
	EXPECT_EQ(symbols.reloads(), 0u);
}

// FrameNames must write exactly what KernelSymbols writes, whether a slot
// holds the address, another address (collisions: 20,000 addresses for
// 4096 slots), or the text is too long to keep.
TEST(FrameNamesFixture, WritesWhatKernelSymbolsWritesAcrossHitsAndCollisions)
{
	std::string text;
	for (int i = 0; i < 10000; ++i) {
		const std::string name = i % 7 == 0 ? "a_function_whose_name_is_far_too_long_for_"
						      "any_cache_slot_" +
							      std::to_string(i)
						    : "fn_" + std::to_string(i);
		text += fmt::format("{:016x} t {}{}\n", 0xffffffff81000000ull + i * 0x100ull, name,
				    i % 11 == 0 ? "\t[some_module]" : "");
	}
	const auto symbols = KernelSymbols::from_text(text);
	SymbolFile file;
	file.write(text);
	LiveKernelSymbols live("test", file.path, at_once);
	live.load();
	FrameNames frames(live);
	fmt::memory_buffer expected, got;
	std::size_t longest = 0, with_module = 0;
	for (int pass = 0; pass < 2; ++pass) {
		for (std::uint64_t i = 0; i < 20000; ++i) {
			const std::uint64_t address = 0xffffffff81000000ull + i * 0x80 + 0x10;
			expected.clear();
			got.clear();
			symbols.format_return_address_to(expected, address);
			frames.append_return_address(got, address);
			ASSERT_EQ(fmt::to_string(got), fmt::to_string(expected)) << "pass " << pass;
			longest = std::max(longest, got.size());
			with_module +=
				fmt::to_string(got).find(" [some_module]") != std::string::npos;
		}
	}
	// The fixture reaches both paths: text a slot cannot hold, and module names.
	EXPECT_GT(longest, 55u);
	EXPECT_GT(with_module, 0u);
	got.clear();
	frames.append_return_address(got, 0);
	EXPECT_EQ(fmt::to_string(got), "0x0000000000000000");
}

TEST(FrameNamesFixture, AFrameIsKeptOnlyOnceSettled)
{
	SymbolFile file;
	file.write(std::string(core_text));
	LiveKernelSymbols symbols("test", file.path, std::chrono::seconds(2));
	symbols.load();
	FrameNames frames(symbols);
	auto frame = [&](std::uint64_t address) {
		fmt::memory_buffer out;
		frames.append_return_address(out, address);
		return fmt::to_string(out);
	};
	file.write(std::string(core_text) + std::string(with_a_bpf_program));
	// Named after the old table until it can be read again, and not kept.
	EXPECT_EQ(frame(0xffffffffa0001020), "bpf_prog_aaaaaaaaaaaaaaaa_early+0x1020 [bpf]");
	std::this_thread::sleep_for(std::chrono::milliseconds(2100));
	EXPECT_EQ(frame(0xffffffffa0001020), "bpf_prog_0123456789abcdef_late+0x20 [bpf]");
	EXPECT_EQ(frame(0xffffffffa0001020), "bpf_prog_0123456789abcdef_late+0x20 [bpf]");
	EXPECT_EQ(symbols.reloads(), 1u);
}

// The real file: a BPF program loaded after the symbols were read is named
// by the frames in it, as the kernel lists it (bpf_prog_TAG_NAME [bpf]).
TEST(LiveKernelSymbolsLive, NamesABpfProgramLoadedAfterTheFirstRead)
{
	REQUIRE_ROOT();
	LiveKernelSymbols symbols("test", KernelSymbols::default_path, at_once);
	symbols.load();
	const bpf_insn return_zero[] = {
		{BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
		{BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
	};
	const int prog = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "nt_late_prog", "GPL",
				       return_zero, 2, nullptr);
	ASSERT_GE(prog, 0) << std::strerror(errno);
	__u64 start = 0;
	bpf_prog_info info{};
	info.nr_jited_ksyms = 1;
	info.jited_ksyms = reinterpret_cast<__u64>(&start);
	__u32 size = sizeof(info);
	ASSERT_EQ(bpf_obj_get_info_by_fd(prog, &info, &size), 0) << std::strerror(errno);
	ASSERT_NE(start, 0u) << "the program is not JIT-compiled here";
	std::string tag;
	for (unsigned char byte : info.tag)
		tag += fmt::format("{:02x}", byte);
	EXPECT_EQ(formatted(symbols, start + 4), "bpf_prog_" + tag + "_nt_late_prog+0x4 [bpf]");
	EXPECT_EQ(symbols.reloads(), 1u);
	close(prog);
}

} // namespace
} // namespace nettrace
