// SPDX-License-Identifier: MIT
// Packets as a pcapng capture (draft-ietf-opsawg-pcapng, "PCAP Now Generic
// Capture File Format"), so that any Wireshark or tshark reads them, with
// why each was captured in the packet's own options. libpcap writes only
// the older pcap format, which has no per-packet comments, directions or
// loss counts.
//
// The blocks are formatted into the OutputWriter's one buffer, which is
// reused for every packet and written out as that writer's policy says:
// nothing is allocated per packet. Numbers are in host byte order, as the
// Section Header Block's byte-order magic tells readers.
//
//   PcapngWriter pcap(out);
//   pcap.section_header("nettrace tcpdrop");
//   auto lo = pcap.interface(LinkType::Ethernet, 256, "lo", "");
//   pcap.packet({.interface = lo, .time_ns = t, .data = bytes, ...});
//   pcap.statistics({.interface = lo, ...});
#pragma once

#include <nettrace/common/output/writer.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace nettrace::pcapng {

// LINKTYPE_* values (the link types registry the spec refers to).
enum class LinkType : std::uint16_t {
	Ethernet = 1, // LINKTYPE_ETHERNET: a 14-byte Ethernet header first
	Raw = 101,    // LINKTYPE_RAW: the IPv4 or IPv6 header first
};

// "Enhanced Packet Block Flags Word", bits 0-1.
enum class Direction : std::uint8_t { Unknown = 0, Inbound = 1, Outbound = 2 };

// One "Enhanced Packet Block".
struct Packet {
	std::uint32_t interface = 0; // as interface() returned it
	std::int64_t time_ns = 0;    // since the Unix epoch (if_tsresol 9)
	std::span<const std::uint8_t> data;
	std::uint32_t original_length = 0; // on the wire; at least data.size()
	Direction direction = Direction::Unknown;
	std::optional<std::uint64_t> packet_id;  // epb_packetid
	std::optional<std::uint64_t> drop_count; // epb_dropcount: lost since the last packet
	// Each an opt_comment (UTF-8); empty ones are left out.
	std::span<const std::string_view> comments;
};

// One "Interface Statistics Block": counts since the capture started.
struct InterfaceStatistics {
	std::uint32_t interface = 0;
	std::int64_t time_ns = 0;     // when the counts were taken
	std::int64_t start_ns = 0;    // isb_starttime
	std::int64_t end_ns = 0;      // isb_endtime
	std::uint64_t received = 0;   // isb_ifrecv: packets the capture saw
	std::uint64_t os_dropped = 0; // isb_osdrop: seen, but lost before being written
	std::uint64_t delivered = 0;  // isb_usrdeliv: written into the capture
};

class PcapngWriter {
public:
	// Blocks go into `out`'s buffer; `out` must outlive this.
	explicit PcapngWriter(OutputWriter &out) : out_(out) {}

	// "Section Header Block": first in every capture. `application` is
	// shb_userappl.
	void section_header(std::string_view application);
	// "Interface Description Block" with if_name, if_description (when not
	// empty) and if_tsresol 9 (nanoseconds). Returns the interface's id,
	// which packets and statistics name: 0, 1, ... in the order written.
	std::uint32_t interface(LinkType link, std::uint32_t snaplen, std::string_view name,
				std::string_view description);
	// "Enhanced Packet Block".
	void packet(const Packet &p);
	// "Interface Statistics Block".
	void statistics(const InterfaceStatistics &s);

	std::uint32_t interfaces() const { return interfaces_; }

private:
	// Starts a block of `type`, noting where its length goes.
	void begin_block(std::uint32_t type);
	// Closes the options when `with_options`, pads and writes both lengths.
	void end_block(bool with_options);
	void option(std::uint16_t code, const void *value, std::size_t size);
	void option_u64(std::uint16_t code, std::uint64_t value);
	void option_time(std::uint16_t code, std::int64_t time_ns);
	void raw(const void *data, std::size_t size);
	void u16(std::uint16_t v) { raw(&v, sizeof(v)); }
	void u32(std::uint32_t v) { raw(&v, sizeof(v)); }
	void timestamp(std::int64_t time_ns);
	void pad_to_4();

	OutputWriter &out_;
	std::size_t block_start_ = 0;
	std::uint32_t interfaces_ = 0;
};

} // namespace nettrace::pcapng
