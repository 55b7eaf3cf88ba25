// SPDX-License-Identifier: MIT
// Our own reader, not boost::dll::library_info: Boost 1.74's (Debian 12)
// gets wrong each thing the driver asks of it, as tests in
// tests/integration/driver_elf_test.cpp show:
// - it lists .symtab only, which strip removes and packages ship without,
//   so a stripped plugin has no descriptor (AStrippedPluginLoadsAndRuns);
// - it takes a 32-bit file as native on a 64-bit host, and lists names
//   that are no symbol of it (APluginOfAnotherElfClassIsRefusedInOneLine);
// - it never reads e_machine, so a file of another machine goes on to
//   dlopen (APluginForAnotherMachineIsRefusedInOneLine);
// - it adds symbol name offsets to the string table unchecked: a hostile
//   file crashes nettrace (SymbolNamesOutsideTheStringTableAreNotRead);
// - it allocates whatever size a section header claims, 1.5 GiB for a
//   file of 300 kB (ASymbolTableLargerThanTheFileIsRefused).
#include "elf_exports.hpp"

#include <nettrace/plugin.h>

#include <cstring>
#include <elf.h>
#include <fstream>

namespace nettrace::driver {

namespace {

#if defined(__x86_64__)
constexpr unsigned native_machine = EM_X86_64;
#elif defined(__aarch64__)
constexpr unsigned native_machine = EM_AARCH64;
#else
constexpr unsigned native_machine = EM_NONE; // not checked
#endif

template <typename T>
bool read_at(std::ifstream &in, std::uint64_t offset, T &out, std::size_t size = sizeof(T))
{
	in.seekg(static_cast<std::streamoff>(offset));
	in.read(reinterpret_cast<char *>(&out), static_cast<std::streamsize>(size));
	return static_cast<std::size_t>(in.gcount()) == size;
}

} // namespace

ElfInspection inspect_elf(const std::filesystem::path &file)
{
	ElfInspection result;
	std::ifstream in(file, std::ios::binary);
	if (!in) {
		result.problem = "cannot be read";
		return result;
	}
	// Every offset and size below comes from the file: check each against
	// the file's real size before trusting it.
	std::error_code ec;
	const std::uint64_t file_size = std::filesystem::file_size(file, ec);
	auto fits = [&](std::uint64_t offset, std::uint64_t size) {
		return !ec && offset <= file_size && size <= file_size - offset;
	};
	Elf64_Ehdr eh{};
	if (!read_at(in, 0, eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
		result.problem = "is not an ELF shared object";
		return result;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64) {
		result.problem = "is a 32-bit ELF file, expected 64-bit";
		return result;
	}
	if (eh.e_type != ET_DYN) {
		result.problem = "is an ELF file but not a shared object";
		return result;
	}
	if (native_machine != EM_NONE && eh.e_machine != native_machine) {
		result.problem = "was built for another machine (ELF e_machine " +
				 std::to_string(eh.e_machine) + ")";
		return result;
	}
	if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0) {
		result.problem = "has no section table";
		return result;
	}
	if (!fits(eh.e_shoff, std::uint64_t(eh.e_shnum) * sizeof(Elf64_Shdr))) {
		result.problem = "is truncated or corrupt (section table)";
		return result;
	}

	std::vector<Elf64_Shdr> sections(eh.e_shnum);
	if (!read_at(in, eh.e_shoff, sections[0], sizeof(Elf64_Shdr) * eh.e_shnum)) {
		result.problem = "is truncated (section table)";
		return result;
	}
	// Exported symbols live in .dynsym, which survives stripping.
	for (const Elf64_Shdr &sh : sections) {
		if (sh.sh_type != SHT_DYNSYM || sh.sh_link >= sections.size())
			continue;
		const Elf64_Shdr &strtab = sections[sh.sh_link];
		if (!fits(strtab.sh_offset, strtab.sh_size) || !fits(sh.sh_offset, sh.sh_size)) {
			result.problem = "is truncated or corrupt (dynamic symbols)";
			return result;
		}
		std::string names(strtab.sh_size, '\0');
		std::vector<Elf64_Sym> syms(sh.sh_size / sizeof(Elf64_Sym));
		if (syms.empty() || !read_at(in, strtab.sh_offset, names[0], names.size()) ||
		    !read_at(in, sh.sh_offset, syms[0], syms.size() * sizeof(Elf64_Sym))) {
			result.problem = "is truncated (dynamic symbols)";
			return result;
		}
		const std::string_view prefix = NETTRACE_PLUGIN_SYMBOL_PREFIX;
		for (const Elf64_Sym &s : syms) {
			if (s.st_shndx == SHN_UNDEF || s.st_name >= names.size())
				continue;
			std::string_view name(names.c_str() + s.st_name);
			if (name.substr(0, prefix.size()) == prefix)
				result.descriptors.emplace_back(name);
		}
	}
	return result;
}

} // namespace nettrace::driver
