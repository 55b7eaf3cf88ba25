// SPDX-License-Identifier: MIT
// What the driver makes of a plugin file that is not a well-formed shared
// object of this machine: truncated, empty, random, hostile, of another
// ELF class or machine. Each is refused with one line naming the file,
// before any of its code runs, and nettrace carries on; a stripped plugin,
// as packages ship them, loads.
#include "process.hpp"
#include "text.hpp"

#include <gtest/gtest.h>

#include <elf.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using nettrace::test::ProcessResult;
using nettrace::test::read_text_file;
using nettrace::test::run_process;
using nettrace::test::split_lines;

namespace {

const std::string good_plugin = std::string(NETTRACE_FIXTURE_DIR) + "/fixture_good.so";
const std::string stripped_dir = std::string(NETTRACE_FIXTURE_DIR) + "-stripped";
const std::string i386_dir = std::string(NETTRACE_FIXTURE_DIR) + "-i386";

ProcessResult run_nettrace(std::vector<std::string> args)
{
	args.insert(args.begin(), NETTRACE_BIN);
	return run_process(args, {"NETTRACE_PLUGIN_PATH="});
}

// A trusted plugin folder of its own (root's, 0755), removed at the end.
struct ScratchDir {
	fs::path path;
	ScratchDir()
	{
		std::string tmpl = "/tmp/nettrace-elf-" + std::to_string(getpid()) + "-XXXXXX";
		path = mkdtemp(tmpl.data());
		chmod(path.c_str(), 0755);
	}
	~ScratchDir() { fs::remove_all(path); }
	fs::path write(const std::string &name, const std::string &bytes) const
	{
		const fs::path file = path / name;
		std::ofstream(file, std::ios::binary) << bytes;
		chmod(file.c_str(), 0644);
		return file;
	}
};

// The good fixture's bytes, and where its sections are, to damage them.
struct ElfImage {
	std::string bytes = read_text_file(good_plugin);

	Elf64_Ehdr header() const
	{
		Elf64_Ehdr h;
		std::memcpy(&h, bytes.data(), sizeof h);
		return h;
	}
	Elf64_Shdr section(std::size_t i) const
	{
		Elf64_Shdr s;
		std::memcpy(&s, bytes.data() + header().e_shoff + i * sizeof s, sizeof s);
		return s;
	}
	void set_section(std::size_t i, const Elf64_Shdr &s)
	{
		std::memcpy(bytes.data() + header().e_shoff + i * sizeof s, &s, sizeof s);
	}
	// Indexes of the symbol tables, .dynsym and (unless stripped) .symtab.
	std::vector<std::size_t> symbol_tables() const
	{
		std::vector<std::size_t> out;
		for (std::size_t i = 0; i < header().e_shnum; ++i)
			if (section(i).sh_type == SHT_DYNSYM || section(i).sh_type == SHT_SYMTAB)
				out.push_back(i);
		return out;
	}
};

// `nettrace --list` over a folder holding only `file`: it must exit 0,
// not die of a signal, and say exactly `expected` on stderr.
void expect_listing_refuses(const fs::path &dir, const fs::path &file, const std::string &why)
{
	ProcessResult r = run_nettrace({"--plugin-dir", dir.string(), "--list"});
	EXPECT_EQ(r.signal, 0) << r.err;
	EXPECT_EQ(r.exit_code, 0) << r.err;
	EXPECT_EQ(r.err, "nettrace: refusing plugin " + file.string() + ": " + why + "\n");
}

} // namespace

TEST(DriverElf, TheFixturesAreWhatTheTestsSayTheyAre)
{
	ElfImage good;
	ASSERT_GE(good.bytes.size(), sizeof(Elf64_Ehdr));
	EXPECT_EQ(good.symbol_tables().size(), 2u) << "fixture_good.so has .dynsym and .symtab";

	const std::string stripped = read_text_file(stripped_dir + "/fixture_good.so");
	ASSERT_GE(stripped.size(), sizeof(Elf64_Ehdr));
	ElfImage s;
	s.bytes = stripped;
	ASSERT_EQ(s.symbol_tables().size(), 1u);
	EXPECT_EQ(s.section(s.symbol_tables()[0]).sh_type, unsigned(SHT_DYNSYM));

	const std::string i386 = read_text_file(i386_dir + "/fixture_i386.so");
	ASSERT_GE(i386.size(), sizeof(Elf32_Ehdr));
	EXPECT_EQ(i386[EI_CLASS], ELFCLASS32);
}

TEST(DriverElf, AStrippedPluginLoadsAndRuns)
{
	ProcessResult r =
		run_nettrace({"--plugin-dir", stripped_dir, "fixture-good", "--exit", "3"});
	EXPECT_EQ(r.err, "");
	EXPECT_EQ(r.exit_code, 3);
	EXPECT_EQ(r.out, "fixture-good ran (host ABI 1.1) [fixture-good] [--exit] [3]\n");
}

TEST(DriverElf, APluginOfAnotherElfClassIsRefusedInOneLine)
{
	const std::string file = i386_dir + "/fixture_i386.so";
	expect_listing_refuses(i386_dir, file, "is a 32-bit ELF file, expected 64-bit");

	// Its command is then not a command: a usage error, exit 2.
	ProcessResult r = run_nettrace({"--plugin-dir", i386_dir, "fixture-i386"});
	EXPECT_EQ(r.signal, 0);
	EXPECT_EQ(r.exit_code, 2);
	const auto err = split_lines(r.err);
	ASSERT_EQ(err.size(), 2u) << r.err;
	EXPECT_EQ(err[0],
		  "nettrace: refusing plugin " + file + ": is a 32-bit ELF file, expected 64-bit");
	EXPECT_EQ(err[1].rfind("nettrace: unknown command 'fixture-i386'", 0), 0u) << err[1];
}

TEST(DriverElf, APluginForAnotherMachineIsRefusedInOneLine)
{
	ScratchDir dir;
	ElfImage image;
#if defined(__aarch64__)
	const std::uint16_t other_machine = EM_X86_64;
#else
	const std::uint16_t other_machine = EM_AARCH64;
#endif
	std::memcpy(image.bytes.data() + offsetof(Elf64_Ehdr, e_machine), &other_machine,
		    sizeof other_machine);
	const fs::path file = dir.write("fixture_good.so", image.bytes);
	expect_listing_refuses(dir.path, file,
			       "was built for another machine (ELF e_machine " +
				       std::to_string(other_machine) + ")");

	ProcessResult r = run_nettrace({"--plugin-dir", dir.path.string(), "fixture-good"});
	EXPECT_EQ(r.signal, 0);
	EXPECT_EQ(r.exit_code, 2) << r.err;
	EXPECT_EQ(r.out, "");
}

TEST(DriverElf, AnEmptyFileIsNotAnElfSharedObject)
{
	ScratchDir dir;
	const fs::path file = dir.write("empty.so", "");
	expect_listing_refuses(dir.path, file, "is not an ELF shared object");
}

TEST(DriverElf, RandomBytesAreNotAnElfSharedObject)
{
	ScratchDir dir;
	std::mt19937 random(20261206);
	std::string bytes(4096, '\0');
	for (char &b : bytes)
		b = static_cast<char>(random());
	bytes[0] = 'R'; // whatever the seed gives, not the ELF magic
	const fs::path file = dir.write("random.so", bytes);
	expect_listing_refuses(dir.path, file, "is not an ELF shared object");
}

TEST(DriverElf, ATruncatedPluginIsRefusedInOneLine)
{
	const ElfImage image;
	const std::size_t size = image.bytes.size();
	ASSERT_GT(image.header().e_shoff, size / 2) << "the section table is at the end";
	const struct {
		std::size_t length;
		const char *why;
	} cuts[] = {
		{3, "is not an ELF shared object"},                      // inside the magic
		{sizeof(Elf64_Ehdr) - 1, "is not an ELF shared object"}, // inside the header
		{sizeof(Elf64_Ehdr), "is truncated or corrupt (section table)"},
		{size / 2, "is truncated or corrupt (section table)"},
		{size - 1, "is truncated or corrupt (section table)"},
	};
	for (const auto &cut : cuts) {
		SCOPED_TRACE("cut to " + std::to_string(cut.length) + " bytes");
		ScratchDir dir;
		const fs::path file = dir.write("cut.so", image.bytes.substr(0, cut.length));
		expect_listing_refuses(dir.path, file, cut.why);
	}
}

// Symbol name offsets far past the string table: read as given, they point
// gigabytes outside the file.
TEST(DriverElf, SymbolNamesOutsideTheStringTableAreNotRead)
{
	ScratchDir dir;
	ElfImage image;
	for (std::size_t t : image.symbol_tables()) {
		const Elf64_Shdr table = image.section(t);
		for (std::size_t off = table.sh_offset;
		     off + sizeof(Elf64_Sym) <= table.sh_offset + table.sh_size;
		     off += sizeof(Elf64_Sym)) {
			Elf64_Sym sym;
			std::memcpy(&sym, image.bytes.data() + off, sizeof sym);
			if (sym.st_name != 0)
				sym.st_name = 0xfffff000u;
			std::memcpy(image.bytes.data() + off, &sym, sizeof sym);
		}
	}
	const fs::path file = dir.write("fixture_good.so", image.bytes);
	expect_listing_refuses(dir.path, file,
			       "no plugin descriptor (expected an exported symbol "
			       "nettrace_plugin_v1)");
}

// A symbol table that claims 1.5 GiB in a file of 300 kB must be
// refused from its size, not read into memory: nettrace runs here with
// 1 GiB of address space.
TEST(DriverElf, ASymbolTableLargerThanTheFileIsRefused)
{
	ScratchDir dir;
	ElfImage image;
	for (std::size_t t : image.symbol_tables()) {
		Elf64_Shdr table = image.section(t);
		table.sh_size = 0x60000000;
		image.set_section(t, table);
	}
	const fs::path file = dir.write("fixture_good.so", image.bytes);
	ProcessResult r = run_process({"sh", "-c", "ulimit -v 1048576 && exec \"$0\" \"$@\"",
				       NETTRACE_BIN, "--plugin-dir", dir.path.string(), "--list"},
				      {"NETTRACE_PLUGIN_PATH="});
	EXPECT_EQ(r.signal, 0) << r.err;
	EXPECT_EQ(r.exit_code, 0) << r.err;
	EXPECT_EQ(r.err, "nettrace: refusing plugin " + file.string() +
				 ": is truncated or corrupt (dynamic symbols)\n");
}
