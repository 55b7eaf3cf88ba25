// SPDX-License-Identifier: MIT
// Kernel text addresses to `function+0xoffset [module]`, from /proc/kallsyms.
//
// Plugins symbolize every frame of every stack they print, so the table is
// read once, kept compact (one string arena for all names, 16 bytes per
// symbol) and looked up without allocating.
#pragma once

#include <nettrace/common/kernel/paths.hpp>
#include <nettrace/common/kernel/string_arena.hpp>

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nettrace {

class KernelSymbols {
public:
	struct Symbol {
		std::string_view name;
		uint64_t address = 0;    // where the symbol starts
		uint64_t offset = 0;     // of the looked-up address from `address`
		std::string_view module; // empty for the core kernel
	};

	// No symbol is taken to span more than this: the largest x86-64
	// functions are tens of KiB, so an address further past the last
	// symbol it follows is in a gap (alignment padding, the end of a
	// module), and naming it after that symbol would be a guess.
	static constexpr uint64_t max_symbol_span = 256 * 1024;

	static constexpr const char *default_path = kernel_paths::kallsyms;
	// What to do when the kernel hides addresses, for whoever runs this:
	// kernel.kptr_restrict=2 hides them even from root.
	static std::string_view hidden_addresses_fix() noexcept;

	// Reads the file once. Throws RuntimeError if it cannot be read.
	static KernelSymbols load(const std::string &path = default_path);
	// Parses text in the /proc/kallsyms format (fixtures, saved copies).
	static KernelSymbols from_text(std::string_view text);

	// True when the kernel hid every address (kptr_restrict, no
	// CAP_SYSLOG): nothing resolves then, rather than resolving wrongly.
	bool addresses_hidden() const noexcept { return hidden_; }
	// Why nothing resolves and what to do about it; empty when it does.
	std::string hidden_reason() const;
	// hidden_reason() and what it means for what tools print: the words
	// of every tool's warning and of their checks' finding.
	std::string hidden_warning() const;

	// Text symbols kept (after merging aliases at one address).
	size_t size() const noexcept;
	// Distinct modules seen ([bpf] and [__builtin__ftrace] count too).
	size_t module_count() const noexcept { return modules_.size() - 1; }

	std::optional<Symbol> resolve(uint64_t address) const noexcept;

	// `name+0xoff`, `name+0xoff [module]`, or the bare address as
	// 0x%016x when it resolves to nothing.
	std::string format(uint64_t address) const;
	// The same, appended to `out`: no allocation once `out` has grown.
	void format_to(fmt::memory_buffer &out, uint64_t address) const;
	// For a return address (a stack frame, a drop site): named after the
	// function holding the call, which is the one before it when the call
	// was that function's last instruction. Returns the symbol it named,
	// with the offset written.
	std::optional<Symbol> format_return_address_to(fmt::memory_buffer &out,
						       uint64_t address) const;

private:
	struct Entry {
		uint64_t address;
		uint32_t name_offset;
		uint16_t name_length;
		// Index into modules_, 0 for the core kernel, or end_of_text.
		uint16_t module;
	};
	static_assert(sizeof(Entry) == 16);
	// Marks an address where kernel text ends (_etext, _einittext):
	// addresses from there on belong to no function.
	static constexpr uint16_t end_of_text = 0xffff;

	class Builder;

	static void append_symbol(fmt::memory_buffer &out, uint64_t address,
				  const std::optional<Symbol> &symbol);

	std::string_view view(uint32_t offset, uint32_t length) const noexcept
	{
		return names_.view(StringArena::Ref{offset, length});
	}

	std::vector<Entry> entries_; // sorted by address, one per address
	StringArena names_;          // every symbol and module name
	std::vector<StringArena::Ref> modules_ = {StringArena::Ref{}}; // [0] is the core kernel
	bool hidden_ = false;
};

} // namespace nettrace
