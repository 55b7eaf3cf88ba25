// SPDX-License-Identifier: MIT
#include <nettrace/common/output/pcapng_writer.hpp>

#include <cstring>

namespace nettrace::pcapng {

namespace {

// Block types ("Block Types" in the spec's registry).
constexpr std::uint32_t section_header_block = 0x0A0D0D0A;
constexpr std::uint32_t interface_description_block = 1;
constexpr std::uint32_t interface_statistics_block = 5;
constexpr std::uint32_t enhanced_packet_block = 6;

// "Section Header Block": the byte-order magic and version 1.0.
constexpr std::uint32_t byte_order_magic = 0x1A2B3C4D;

// Option codes, each from the section of the block it belongs to.
constexpr std::uint16_t opt_endofopt = 0;
constexpr std::uint16_t opt_comment = 1;
constexpr std::uint16_t shb_userappl = 4;
constexpr std::uint16_t if_name = 2;
constexpr std::uint16_t if_description = 3;
constexpr std::uint16_t if_tsresol = 9;
constexpr std::uint16_t epb_flags = 2;
constexpr std::uint16_t epb_dropcount = 4;
constexpr std::uint16_t epb_packetid = 5;
constexpr std::uint16_t isb_starttime = 2;
constexpr std::uint16_t isb_endtime = 3;
constexpr std::uint16_t isb_ifrecv = 4;
constexpr std::uint16_t isb_osdrop = 7;
constexpr std::uint16_t isb_usrdeliv = 8;

// if_tsresol 9: timestamps count nanoseconds (10^-9 s).
constexpr std::uint8_t nanoseconds = 9;

// An option's value holds at most 65535 bytes (its length is 16 bits).
constexpr std::size_t max_option_size = 0xffff;

} // namespace

void PcapngWriter::raw(const void *data, std::size_t size)
{
	const char *p = static_cast<const char *>(data);
	out_.buffer().append(p, p + size);
}

void PcapngWriter::pad_to_4()
{
	static constexpr char zeros[4] = {};
	const std::size_t used = (out_.buffer().size() - block_start_) % 4;
	if (used)
		raw(zeros, 4 - used);
}

void PcapngWriter::begin_block(std::uint32_t type)
{
	block_start_ = out_.buffer().size();
	u32(type);
	u32(0); // "Block Total Length", set by end_block
}

void PcapngWriter::end_block(bool with_options)
{
	if (with_options) {
		u16(opt_endofopt);
		u16(0);
	}
	pad_to_4();
	const auto total = static_cast<std::uint32_t>(out_.buffer().size() - block_start_ + 4);
	u32(total);
	std::memcpy(out_.buffer().data() + block_start_ + 4, &total, sizeof(total));
}

// "Options": code, length, the value padded to 32 bits.
void PcapngWriter::option(std::uint16_t code, const void *value, std::size_t size)
{
	if (size > max_option_size)
		size = max_option_size;
	u16(code);
	u16(static_cast<std::uint16_t>(size));
	raw(value, size);
	pad_to_4();
}

void PcapngWriter::option_u64(std::uint16_t code, std::uint64_t value)
{
	option(code, &value, sizeof(value));
}

// A timestamp option (isb_starttime, isb_endtime): as in a packet block,
// the upper 32 bits first.
void PcapngWriter::option_time(std::uint16_t code, std::int64_t time_ns)
{
	const auto t = static_cast<std::uint64_t>(time_ns);
	const std::uint32_t halves[2] = {static_cast<std::uint32_t>(t >> 32),
					 static_cast<std::uint32_t>(t)};
	option(code, halves, sizeof(halves));
}

// "Timestamp (High)" and "Timestamp (Low)" in units of if_tsresol.
void PcapngWriter::timestamp(std::int64_t time_ns)
{
	const auto t = static_cast<std::uint64_t>(time_ns);
	u32(static_cast<std::uint32_t>(t >> 32));
	u32(static_cast<std::uint32_t>(t));
}

void PcapngWriter::section_header(std::string_view application)
{
	begin_block(section_header_block);
	u32(byte_order_magic);
	u16(1); // major version
	u16(0); // minor version
	const std::int64_t unknown_section_length = -1;
	raw(&unknown_section_length, sizeof(unknown_section_length));
	option(shb_userappl, application.data(), application.size());
	end_block(true);
}

std::uint32_t PcapngWriter::interface(LinkType link, std::uint32_t snaplen, std::string_view name,
				      std::string_view description)
{
	begin_block(interface_description_block);
	u16(static_cast<std::uint16_t>(link));
	u16(0); // reserved
	u32(snaplen);
	option(if_name, name.data(), name.size());
	if (!description.empty())
		option(if_description, description.data(), description.size());
	option(if_tsresol, &nanoseconds, sizeof(nanoseconds));
	end_block(true);
	return interfaces_++;
}

void PcapngWriter::packet(const Packet &p)
{
	const auto captured = static_cast<std::uint32_t>(p.data.size());
	begin_block(enhanced_packet_block);
	u32(p.interface);
	timestamp(p.time_ns);
	u32(captured);
	u32(p.original_length < captured ? captured : p.original_length);
	raw(p.data.data(), p.data.size());
	pad_to_4();
	bool with_options = false;
	for (std::string_view comment : p.comments) {
		if (comment.empty())
			continue;
		option(opt_comment, comment.data(), comment.size());
		with_options = true;
	}
	if (p.direction != Direction::Unknown) {
		const std::uint32_t flags = static_cast<std::uint32_t>(p.direction);
		option(epb_flags, &flags, sizeof(flags));
		with_options = true;
	}
	if (p.drop_count) {
		option_u64(epb_dropcount, *p.drop_count);
		with_options = true;
	}
	if (p.packet_id) {
		option_u64(epb_packetid, *p.packet_id);
		with_options = true;
	}
	end_block(with_options);
}

void PcapngWriter::statistics(const InterfaceStatistics &s)
{
	begin_block(interface_statistics_block);
	u32(s.interface);
	timestamp(s.time_ns);
	option_time(isb_starttime, s.start_ns);
	option_time(isb_endtime, s.end_ns);
	option_u64(isb_ifrecv, s.received);
	option_u64(isb_osdrop, s.os_dropped);
	option_u64(isb_usrdeliv, s.delivered);
	end_block(true);
}

} // namespace nettrace::pcapng
