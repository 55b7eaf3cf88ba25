// SPDX-License-Identifier: MIT
#include "exporter_series.hpp"

#include <nettrace/common/kernel/free_kind.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace nettrace::exporter {

namespace {

std::string_view ip_protocol_name(std::uint8_t l4)
{
	switch (l4) {
	case 1:
		return "icmp";
	case 2:
		return "igmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 47:
		return "gre";
	case 50:
		return "esp";
	case 58:
		return "ipv6-icmp";
	case 132:
		return "sctp";
	default:
		return {};
	}
}

} // namespace

ProtocolLabel::ProtocolLabel(std::uint16_t l3, std::uint8_t l4)
{
	std::string_view name;
	if (l3 == 0x0800 || l3 == 0x86dd)
		name = ip_protocol_name(l4);
	else if (l3 == 0x0806)
		name = "arp";
	else if (l3 == 0)
		name = "unknown";
	if (!name.empty()) {
		size_ = name.copy(text_, sizeof text_);
		return;
	}
	const bool ip = l3 == 0x0800 || l3 == 0x86dd;
	const auto end = ip ? fmt::format_to_n(text_, sizeof text_, "ip-proto-{}", l4)
			    : fmt::format_to_n(text_, sizeof text_, "ethertype-0x{:04x}", l3);
	size_ = std::min(end.size, sizeof text_);
}

SeriesFolder::SeriesFolder(const DropReasons &reasons, bool reasons_passed,
			   LiveKernelSymbols &symbols, Namespaces &namespaces)
    : reasons_(reasons), reasons_passed_(reasons_passed), symbols_(symbols), namespaces_(namespaces)
{
}

std::string_view SeriesFolder::function_of(std::uint64_t location)
{
	if (symbols_.generation() != symbols_generation_) {
		// Names kept from an older table may be stale; series folded
		// before the change still point at them until the fold ends.
		for (auto &[address, name] : functions_)
			fold_names_.push_back(std::move(name));
		functions_.clear();
		symbols_generation_ = symbols_.generation();
	}
	if (const auto it = functions_.find(location); it != functions_.end())
		return it->second;
	fmt::memory_buffer text;
	const bool settled = symbols_.format_return_address_to(text, location);
	std::string name(text.data(), text.size());
	// "function+0xoff [module]": the function alone; a bare address
	// (nothing resolved) stays as it is.
	if (const auto plus = name.find('+'); plus != std::string::npos)
		name.resize(plus);
	if (!settled)
		return fold_names_.emplace_back(std::move(name));
	return functions_[location] = std::move(name);
}

const std::vector<Series> &SeriesFolder::fold(const std::vector<CountedRow> &rows)
{
	series_.clear();
	fold_names_.clear();
	for (const CountedRow &row : rows) {
		const exporter_key &k = row.key;
		Series &s = series_.emplace_back();
		s.labels.reason = reasons_passed_ ? reasons_.name(k.reason) : std::string_view();
		s.labels.location = function_of(k.location);
		s.labels.l3 = k.l3;
		s.labels.l4 = k.l4;
		s.labels.netns = k.netns;
		s.labels.netns_name = namespaces_.name(k.netns);
		s.labels.container = namespaces_.container(k.netns);
		s.labels.interface = interface_names_.name(k.netns, k.ifindex, namespaces_);
		s.labels.kind =
			free_kind_name(settle_free_kind(k.kind, k.location, symbols_.table()));
		s.packets = row.packets;
		s.bytes = row.bytes;
	}
	std::sort(series_.begin(), series_.end(),
		  [](const Series &a, const Series &b) { return a.labels < b.labels; });
	// Rows at several sites of one function became equal label sets,
	// now side by side: add each run into its first.
	auto kept = series_.begin();
	for (auto it = series_.begin(); it != series_.end(); ++it) {
		if (it == kept)
			continue;
		if (it->labels == kept->labels) {
			kept->packets += it->packets;
			kept->bytes += it->bytes;
		} else {
			*++kept = *it;
		}
	}
	if (!series_.empty())
		series_.erase(kept + 1, series_.end());
	return series_;
}

} // namespace nettrace::exporter
