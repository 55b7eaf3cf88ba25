// SPDX-License-Identifier: MIT
#include <nettrace/common/kernel/fixes.hpp>
#include <nettrace/common/kernel/symbols.hpp>
#include <nettrace/errors.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <iterator>
#include <unistd.h>
#include <unordered_map>

namespace nettrace {

namespace {

// Functions: global, local and weak (nm prints W/w for weak code). Data
// symbols never appear in a stack and would only shorten the functions
// placed before them.
bool is_text_type(char type)
{
	return type == 'T' || type == 't' || type == 'W' || type == 'w';
}

// Symbols the linker script puts at the end of a text region rather than
// at the start of a function: whatever follows them is no function.
bool is_end_of_text_marker(std::string_view name)
{
	return name == "_etext" || name == "_einittext";
}

int hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

// "0x" and the lowercase hex digits of `value`, at least `min_digits` of
// them. By hand: this runs for every stack frame printed, and fmt's
// runtime format parsing costs more than the lookup itself.
void append_hex(fmt::memory_buffer &out, uint64_t value, int min_digits)
{
	char digits[16];
	int count = 0;
	do {
		digits[15 - count++] = "0123456789abcdef"[value & 0xf];
		value >>= 4;
	} while (value != 0 || count < min_digits);
	out.append(std::string_view("0x"));
	out.append(digits + 16 - count, digits + 16);
}

size_t leading_underscores(std::string_view name)
{
	size_t n = 0;
	while (n < name.size() && name[n] == '_')
		n++;
	return n;
}

} // namespace

class KernelSymbols::Builder {
public:
	explicit Builder(KernelSymbols &table) : table_(table) {}

	// Room for about `symbols` symbols up front: growing copies what
	// was read so far into fresh pages, and page faults, not parsing,
	// dominate the cost of loading. Pages reserved but never written
	// are never made resident, so a generous guess costs address
	// space only.
	void expect(size_t symbols)
	{
		table_.entries_.reserve(symbols);
		table_.names_.reserve(symbols * 24);
	}

	// One line: "ffffffff81b2c3d0 T tcp_v4_rcv" with an optional
	// "\t[module]" after the name. Malformed lines are skipped.
	void add_line(std::string_view line)
	{
		size_t pos = 0;
		uint64_t address = 0;
		for (; pos < line.size(); pos++) {
			const int digit = hex_digit_value(line[pos]);
			if (digit < 0)
				break;
			address = address << 4 | static_cast<uint64_t>(digit);
		}
		if (pos == 0 || pos > 16 || pos + 3 > line.size() || line[pos] != ' ' ||
		    line[pos + 2] != ' ')
			return;
		const char type = line[pos + 1];
		std::string_view rest = line.substr(pos + 3);
		while (!rest.empty() && (rest.back() == '\r' || rest.back() == ' '))
			rest.remove_suffix(1);
		std::string_view name = rest;
		std::string_view module;
		if (const size_t tab = rest.find('\t'); tab != rest.npos) {
			name = rest.substr(0, tab);
			module = rest.substr(tab + 1);
			if (module.size() >= 2 && module.front() == '[' && module.back() == ']')
				module = module.substr(1, module.size() - 2);
		}

		symbol_lines_++;
		if (address != 0)
			saw_nonzero_address_ = true;
		// A zero address is what a hidden file shows for everything;
		// on a readable file no function lives there.
		if (!is_text_type(type) || address == 0 || name.empty() || name.size() > UINT16_MAX)
			return;

		uint16_t module_index = module.empty() ? 0 : intern_module(module);
		if (module_index == 0 && is_end_of_text_marker(name))
			module_index = end_of_text;
		table_.entries_.push_back(Entry{
			address,
			store_name(name),
			static_cast<uint16_t>(name.size()),
			module_index,
		});
	}

	void finish()
	{
		table_.hidden_ = symbol_lines_ > 0 && !saw_nonzero_address_;
		if (table_.hidden_) {
			table_.entries_.clear();
			table_.names_.clear();
			table_.modules_.resize(1);
		}
		auto &entries = table_.entries_;
		const auto by_address = [](const Entry &a, const Entry &b) {
			return a.address < b.address;
		};
		// The kernel lists the core kernel in address order and each
		// module's symbols after it; stable, so that file order breaks
		// ties between aliases below.
		if (!std::is_sorted(entries.begin(), entries.end(), by_address))
			std::stable_sort(entries.begin(), entries.end(), by_address);
		merge_aliases();
	}

private:
	// Several names at one address (`_stext` and the first function,
	// `__do_sys_fork` and `__x64_sys_fork`): keep one, so lookups are
	// deterministic. Section markers carry more leading underscores
	// than the function they share an address with; among equals the
	// first listed wins, which is also the one the kernel's own %pS
	// prints. An end-of-text marker yields to any real symbol.
	void merge_aliases()
	{
		auto &entries = table_.entries_;
		size_t out = 0;
		for (size_t i = 0; i < entries.size();) {
			size_t best = i;
			size_t j = i + 1;
			for (; j < entries.size() && entries[j].address == entries[i].address;
			     j++) {
				if (better_alias(entries[j], entries[best]))
					best = j;
			}
			entries[out++] = entries[best];
			i = j;
		}
		entries.resize(out);
	}

	bool better_alias(const Entry &candidate, const Entry &current) const
	{
		const bool candidate_ends = candidate.module == end_of_text;
		const bool current_ends = current.module == end_of_text;
		if (candidate_ends != current_ends)
			return current_ends;
		return leading_underscores(
			       table_.view(candidate.name_offset, candidate.name_length)) <
		       leading_underscores(table_.view(current.name_offset, current.name_length));
	}

	// Returns where `name` starts in the arena. Nearly half the symbols
	// are a function's padding, `__pfx_NAME` (`__cfi_NAME` with CFI),
	// listed just before NAME itself: NAME then points into the tail
	// of the previous name instead of being stored again.
	uint32_t store_name(std::string_view name)
	{
		auto &names = table_.names_;
		if (previous_name_length_ > name.size()) {
			const size_t tail = previous_name_end_ - name.size();
			if (names.text().substr(tail, name.size()) == name)
				return static_cast<uint32_t>(tail);
		}
		const StringArena::Ref stored = names.store(name);
		previous_name_end_ = stored.offset + stored.length;
		previous_name_length_ = name.size();
		return stored.offset;
	}

	uint16_t intern_module(std::string_view module)
	{
		// Lines of one module come together: skip the map for them.
		if (last_module_ != 0) {
			if (table_.names_.view(table_.modules_[last_module_]) == module)
				return last_module_;
		}
		auto found = module_index_.find(std::string(module));
		if (found != module_index_.end())
			return last_module_ = found->second;
		if (table_.modules_.size() >= end_of_text)
			throw RuntimeError("kallsyms lists more modules than "
					   "nettrace can index");
		const auto index = static_cast<uint16_t>(table_.modules_.size());
		table_.modules_.push_back(table_.names_.store(module));
		module_index_.emplace(std::string(module), index);
		return last_module_ = index;
	}

	KernelSymbols &table_;
	std::unordered_map<std::string, uint16_t> module_index_;
	uint16_t last_module_ = 0;
	size_t previous_name_end_ = 0;
	size_t previous_name_length_ = 0;
	size_t symbol_lines_ = 0;
	bool saw_nonzero_address_ = false;
};

KernelSymbols KernelSymbols::from_text(std::string_view text)
{
	KernelSymbols table;
	Builder builder(table);
	while (!text.empty()) {
		const size_t end = text.find('\n');
		builder.add_line(text.substr(0, end));
		if (end == text.npos)
			break;
		text.remove_prefix(end + 1);
	}
	builder.finish();
	return table;
}

KernelSymbols KernelSymbols::load(const std::string &path)
{
	const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		throw RuntimeError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));

	KernelSymbols table;
	Builder builder(table);
	// /proc/kallsyms has no size; 6.x kernels list 100-250k symbols,
	// a bit under half of them functions' __pfx_ padding.
	builder.expect(256 * 1024);
	// Parsed a chunk at a time: the file is over 5 MB of text and only
	// the names are kept.
	std::vector<char> chunk(256 * 1024);
	size_t filled = 0;
	for (;;) {
		const ssize_t got = ::read(fd, chunk.data() + filled, chunk.size() - filled);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			const int error = errno;
			::close(fd);
			throw RuntimeError(
				fmt::format("cannot read {}: {}", path, std::strerror(error)));
		}
		if (got == 0)
			break;
		filled += static_cast<size_t>(got);

		std::string_view pending(chunk.data(), filled);
		for (size_t end; (end = pending.find('\n')) != pending.npos;) {
			builder.add_line(pending.substr(0, end));
			pending.remove_prefix(end + 1);
		}
		// No line is anywhere near the chunk size; should one be, it
		// is not a kallsyms line, so drop it rather than stall.
		if (pending.size() == chunk.size())
			pending = {};
		std::memmove(chunk.data(), pending.data(), pending.size());
		filled = pending.size();
	}
	::close(fd);
	if (filled > 0)
		builder.add_line(std::string_view(chunk.data(), filled));
	builder.finish();
	return table;
}

std::string_view KernelSymbols::hidden_addresses_fix() noexcept
{
	static const std::string advice = fix::show_kernel_addresses();
	return advice;
}

std::string KernelSymbols::hidden_reason() const
{
	if (!hidden_)
		return {};
	return std::string(default_path) +
	       " shows zero addresses: " + std::string(hidden_addresses_fix());
}

std::string KernelSymbols::hidden_warning() const
{
	if (!hidden_)
		return {};
	return hidden_reason() + "; stacks and drop sites are shown as addresses";
}

size_t KernelSymbols::size() const noexcept
{
	return static_cast<size_t>(
		std::count_if(entries_.begin(), entries_.end(),
			      [](const Entry &e) { return e.module != end_of_text; }));
}

std::optional<KernelSymbols::Symbol> KernelSymbols::resolve(uint64_t address) const noexcept
{
	const auto after =
		std::upper_bound(entries_.begin(), entries_.end(), address,
				 [](uint64_t a, const Entry &e) { return a < e.address; });
	if (after == entries_.begin())
		return std::nullopt;
	const Entry &entry = *std::prev(after);
	const uint64_t offset = address - entry.address;
	if (entry.module == end_of_text || offset >= max_symbol_span)
		return std::nullopt;

	Symbol symbol;
	symbol.name = view(entry.name_offset, entry.name_length);
	symbol.address = entry.address;
	symbol.offset = offset;
	if (entry.module != 0) {
		symbol.module = names_.view(modules_[entry.module]);
	}
	return symbol;
}

void KernelSymbols::format_to(fmt::memory_buffer &out, uint64_t address) const
{
	append_symbol(out, address, resolve(address));
}

std::optional<KernelSymbols::Symbol>
KernelSymbols::format_return_address_to(fmt::memory_buffer &out, uint64_t address) const
{
	// The call may be the last instruction of its function (a call to a
	// function that does not return): then the return address is already
	// the next function's first byte, and only address - 1 is the caller.
	auto symbol = address ? resolve(address - 1) : std::nullopt;
	if (symbol)
		symbol->offset = address - symbol->address;
	append_symbol(out, address, symbol);
	return symbol;
}

void KernelSymbols::append_symbol(fmt::memory_buffer &out, uint64_t address,
				  const std::optional<Symbol> &symbol)
{
	if (!symbol) {
		append_hex(out, address, 16);
		return;
	}
	out.append(symbol->name);
	out.push_back('+');
	append_hex(out, symbol->offset, 1);
	if (!symbol->module.empty()) {
		out.append(std::string_view(" ["));
		out.append(symbol->module);
		out.push_back(']');
	}
}

std::string KernelSymbols::format(uint64_t address) const
{
	fmt::memory_buffer out;
	format_to(out, address);
	return fmt::to_string(out);
}

} // namespace nettrace
