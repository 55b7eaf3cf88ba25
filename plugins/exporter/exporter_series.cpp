// SPDX-License-Identifier: MIT
#include "exporter_series.hpp"

#include <nettrace/common/kernel/free_kind.hpp>

#include <fmt/format.h>

namespace nettrace::exporter {

std::string protocol_label(std::uint16_t l3, std::uint8_t l4)
{
	if (l3 == 0x0800 || l3 == 0x86dd) {
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
			return fmt::format("ip-proto-{}", l4);
		}
	}
	if (l3 == 0x0806)
		return "arp";
	if (l3 == 0)
		return "unknown";
	return fmt::format("ethertype-0x{:04x}", l3);
}

SeriesFolder::SeriesFolder(const DropReasons &reasons, bool reasons_passed,
			   LiveKernelSymbols &symbols, Namespaces &namespaces)
    : reasons_(reasons), reasons_passed_(reasons_passed), symbols_(symbols), namespaces_(namespaces)
{
}

const std::string &SeriesFolder::function_of(std::uint64_t location)
{
	if (symbols_.generation() != symbols_generation_) {
		functions_.clear(); // names kept from an older table may be stale
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
	if (!settled) {
		static thread_local std::string unsettled;
		unsettled = std::move(name);
		return unsettled;
	}
	return functions_[location] = std::move(name);
}

const std::map<SeriesLabels, SeriesTotals> &SeriesFolder::fold(const std::vector<CountedRow> &rows)
{
	series_.clear();
	for (const CountedRow &row : rows) {
		const exporter_key &k = row.key;
		SeriesLabels labels;
		labels.reason = reasons_passed_ ? reasons_.name(k.reason) : std::string_view();
		labels.location = function_of(k.location);
		labels.protocol = protocol_label(k.l3, k.l4);
		labels.netns = k.netns;
		labels.netns_name = namespaces_.name(k.netns);
		labels.container = namespaces_.container(k.netns);
		labels.interface = interface_names_.name(k.netns, k.ifindex, namespaces_);
		labels.kind =
			free_kind_name(settle_free_kind(k.kind, k.location, symbols_.table()));
		SeriesTotals &t = series_[std::move(labels)];
		t.packets += row.packets;
		t.bytes += row.bytes;
	}
	return series_;
}

} // namespace nettrace::exporter
