// SPDX-License-Identifier: MIT
// The kernel's symbols as a tool that runs for a while needs them: read at
// start, and read again when a frame may belong to code loaded since. A
// module or BPF program loaded after start appears in /proc/kallsyms only
// from then on; until the file is read again its frames would stay bare
// addresses or, worse, be named after the module or program placed just
// before it (BPF programs are packed one after another).
//
// Core kernel text never moves, so its frames are named at once. Any other
// frame, named after a module or BPF program or after nothing, is settled
// once the file has been read after the frame was first seen. Reading the
// file costs as much as naming a great many frames, so it is read at most
// once per `reload_interval`, and only for a frame not yet settled: in a
// storm of the same few stacks it is read at most once.
#pragma once

#include <nettrace/common/kernel/symbols.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace nettrace {

class LiveKernelSymbols {
public:
	using Clock = std::chrono::steady_clock;

	// `tool` starts the warning load() may print ("nettrace tcpdrop").
	explicit LiveKernelSymbols(std::string tool, std::string path = KernelSymbols::default_path,
				   Clock::duration reload_interval = std::chrono::seconds(1));

	// Reads the table. When the kernel hides addresses, says so on
	// standard error, as `TOOL: WHY; stacks and drop sites are shown as
	// addresses`: every tool warns through here, in the same words.
	// Throws RuntimeError when the file cannot be read.
	void load();

	// Valid until the next format_return_address_to(), which may replace it.
	const KernelSymbols &table() const noexcept { return table_; }
	// Changes each time the table is read: text kept from an older table
	// may name code that has since gone.
	std::uint64_t generation() const noexcept { return generation_; }
	// Times the table was read again since load().
	std::uint64_t reloads() const noexcept { return reloads_; }

	// As KernelSymbols::format_return_address_to, reading the table again
	// first when the frame is not settled and the interval has passed.
	// True when the text is settled: the same until the table is read
	// again, so it may be kept until generation() changes.
	bool format_return_address_to(fmt::memory_buffer &out, std::uint64_t address);

private:
	void read(Clock::time_point now);

	std::string tool_;
	std::string path_;
	Clock::duration reload_interval_;
	KernelSymbols table_;
	Clock::time_point read_at_{};      // when reading this table began
	Clock::time_point last_attempt_{}; // of a read, failed or not
	std::uint64_t generation_ = 0;
	std::uint64_t reloads_ = 0;
	// When each frame outside the core kernel was first seen. Bounded:
	// when full it starts over, and the rate limit still holds.
	std::unordered_map<std::uint64_t, Clock::time_point> first_seen_;
	static constexpr std::size_t max_first_seen = 16384;
};

} // namespace nettrace
