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
#include <list>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace nettrace::exporter {

// A series' labels, all of them views into the folder's name caches or
// the namespace table, valid until the folder's next fold() or forget():
// a series costs no allocation, and 10,000 of them fit in one vector.
struct SeriesLabels {
	std::string_view reason;
	std::string_view location; // the function, or the bare address
	std::uint16_t l3 = 0;      // the protocol label, written by protocol_label()
	std::uint8_t l4 = 0;
	std::uint32_t netns = 0;
	std::string_view netns_name;
	std::string_view container;
	std::string_view interface;
	std::string_view kind;

	auto tie() const
	{
		return std::tie(reason, location, l3, l4, netns, netns_name, container, interface,
				kind);
	}
	bool operator<(const SeriesLabels &o) const { return tie() < o.tie(); }
	bool operator==(const SeriesLabels &o) const { return tie() == o.tie(); }
};

struct Series {
	SeriesLabels labels;
	std::uint64_t packets = 0;
	std::uint64_t bytes = 0;
};

// A protocol's label text, held in place: written for each sample of
// every scrape, it must not cost an allocation.
class ProtocolLabel {
public:
	ProtocolLabel(std::uint16_t l3, std::uint8_t l4);
	std::string_view text() const { return {text_, size_}; }

private:
	char text_[24];
	std::size_t size_ = 0;
};

// "tcp", "udp", "icmp", "ipv6-icmp" ... for IP packets, "arp" and
// "ethertype-0x88cc" for others, "unknown" when nothing was readable.
inline ProtocolLabel protocol_label(std::uint16_t l3, std::uint8_t l4)
{
	return {l3, l4};
}

class SeriesFolder {
public:
	// `reasons`, `symbols` and `namespaces` must outlive the folder.
	SeriesFolder(const DropReasons &reasons, bool reasons_passed, LiveKernelSymbols &symbols,
		     Namespaces &namespaces);
	// The series of `rows`, in label order, one for each label set: rows
	// that differ only within a function are added together. Names of
	// devices are looked up once each and kept.
	const std::vector<Series> &fold(const std::vector<CountedRow> &rows);
	// Forgets the devices of a namespace that is gone.
	void forget(std::uint32_t netns) { interface_names_.forget(netns); }

private:
	std::string_view function_of(std::uint64_t location);

	const DropReasons &reasons_;
	bool reasons_passed_;
	LiveKernelSymbols &symbols_;
	Namespaces &namespaces_;
	InterfaceNames interface_names_;
	std::uint64_t symbols_generation_ = 0;
	std::unordered_map<std::uint64_t, std::string> functions_;
	// Names this fold's series still point at but the caches no longer
	// hold: those of an older symbol table, and frames not yet settled.
	// Node-based, so that a name's address does not move as more come.
	std::list<std::string> fold_names_;
	std::vector<Series> series_; // capacity kept from scrape to scrape
};

} // namespace nettrace::exporter
