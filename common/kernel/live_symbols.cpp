// SPDX-License-Identifier: MIT
#include <nettrace/common/kernel/live_symbols.hpp>

#include <nettrace/errors.hpp>

#include <cstdio>
#include <utility>

namespace nettrace {

LiveKernelSymbols::LiveKernelSymbols(std::string tool, std::string path,
				     Clock::duration reload_interval)
    : tool_(std::move(tool)), path_(std::move(path)), reload_interval_(reload_interval)
{
}

void LiveKernelSymbols::read(Clock::time_point now)
{
	last_attempt_ = now;
	table_ = KernelSymbols::load(path_);
	// `now` was taken before reading: code loaded while the file was
	// read may be missing from it.
	read_at_ = now;
	++generation_;
}

void LiveKernelSymbols::load()
{
	read(Clock::now());
	if (table_.addresses_hidden())
		fmt::print(stderr, "{}: {}\n", tool_, table_.hidden_warning());
}

bool LiveKernelSymbols::format_return_address_to(fmt::memory_buffer &out, std::uint64_t address)
{
	const std::size_t mark = out.size();
	const auto symbol = table_.format_return_address_to(out, address);
	// Hidden addresses name nothing however often the file is read.
	if (address == 0 || table_.addresses_hidden() || (symbol && symbol->module.empty()))
		return true;
	const Clock::time_point now = Clock::now();
	if (first_seen_.size() >= max_first_seen)
		first_seen_.clear();
	const Clock::time_point seen = first_seen_.try_emplace(address, now).first->second;
	if (seen <= read_at_)
		return true;
	if (now - last_attempt_ < reload_interval_)
		return false;
	++reloads_;
	try {
		read(now);
	} catch (const RuntimeError &) {
		// Unreadable now, perhaps readable at the next attempt; what
		// was read before still names what it named.
		return false;
	}
	out.resize(mark);
	table_.format_return_address_to(out, address);
	return true;
}

} // namespace nettrace
