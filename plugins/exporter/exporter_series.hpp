// SPDX-License-Identifier: MIT
// From counting-map rows to labelled series: the reason's name in this
// kernel, the function a drop site lies in, the protocol, the namespace
// and device names, and the kind of free. Rows that differ only in the
// drop site within one function are folded into one series, so the
// number of series stays bounded by the functions that drop.
#pragma once

#include "exporter_counts.hpp"
#include "exporter_names.hpp"
#include "exporter_namespaces.hpp"

#include <nettrace/common/kernel/drop_reasons.hpp>
#include <nettrace/common/kernel/live_symbols.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>

namespace nettrace::exporter {

struct SeriesLabels {
	std::string_view reason;
	std::string location; // the function, or the bare address
	std::string protocol;
	std::uint32_t netns = 0;
	std::string_view netns_name;
	std::string_view container;
	std::string_view interface;
	std::string_view kind;

	auto tie() const
	{
		return std::tie(reason, location, protocol, netns, netns_name, container, interface,
				kind);
	}
	bool operator<(const SeriesLabels &o) const { return tie() < o.tie(); }
};

struct SeriesTotals {
	std::uint64_t packets = 0;
	std::uint64_t bytes = 0;
};

// "tcp", "udp", "icmp", "ipv6-icmp" ... for IP packets, "arp" and
// "ethertype-0x88cc" for others, "unknown" when nothing was readable.
std::string protocol_label(std::uint16_t l3, std::uint8_t l4);

class SeriesFolder {
public:
	// `reasons`, `symbols` and `namespaces` must outlive the folder.
	SeriesFolder(const DropReasons &reasons, bool reasons_passed, LiveKernelSymbols &symbols,
		     Namespaces &namespaces);
	// The series of `rows`, in label order, `namespaces` refreshed for
	// them. Names of devices are looked up once each and kept.
	const std::map<SeriesLabels, SeriesTotals> &fold(const std::vector<CountedRow> &rows);
	// Forgets the devices of a namespace that is gone.
	void forget(std::uint32_t netns) { interface_names_.forget(netns); }

private:
	const std::string &function_of(std::uint64_t location);

	const DropReasons &reasons_;
	bool reasons_passed_;
	LiveKernelSymbols &symbols_;
	Namespaces &namespaces_;
	InterfaceNames interface_names_;
	std::uint64_t symbols_generation_ = 0;
	std::unordered_map<std::uint64_t, std::string> functions_;
	std::map<SeriesLabels, SeriesTotals> series_;
};

} // namespace nettrace::exporter
