// SPDX-License-Identifier: MIT
// The pcapng writer: its blocks read back field by field, then judged by
// real readers (tshark, capinfos, editcap) as users would open the file.
#include "process.hpp"
#include "tracer_run.hpp"

#include <nettrace/common/output/pcapng_writer.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace nettrace;
using namespace nettrace::pcapng;

namespace {

// One block as the file holds it, its options by code (each code's values
// in order).
struct Block {
	std::uint32_t type = 0;
	std::vector<std::uint8_t> body; // between the two lengths
	std::multimap<std::uint16_t, std::string> options;
};

template <typename T>
T read_at(const std::vector<std::uint8_t> &bytes, std::size_t at)
{
	T v{};
	EXPECT_LE(at + sizeof(T), bytes.size());
	if (at + sizeof(T) <= bytes.size())
		std::memcpy(&v, bytes.data() + at, sizeof(T));
	return v;
}

std::multimap<std::uint16_t, std::string> parse_options(const std::vector<std::uint8_t> &body,
							std::size_t at)
{
	std::multimap<std::uint16_t, std::string> options;
	bool ended = false;
	while (at + 4 <= body.size()) {
		const auto code = read_at<std::uint16_t>(body, at);
		const auto size = read_at<std::uint16_t>(body, at + 2);
		if (code == 0) {
			EXPECT_EQ(size, 0);
			ended = true;
			at += 4;
			break;
		}
		EXPECT_LE(at + 4 + size, body.size());
		options.emplace(code,
				std::string(reinterpret_cast<const char *>(body.data()) + at + 4,
					    size));
		at += 4 + ((size + 3u) & ~3u);
	}
	EXPECT_TRUE(ended || options.empty()) << "options not ended by opt_endofopt";
	EXPECT_EQ(at, body.size()) << "bytes after the options";
	return options;
}

// Splits a whole capture into blocks, checking the framing each reader
// relies on: both lengths equal, a multiple of 4, nothing left over.
std::vector<Block> parse_blocks(const std::vector<std::uint8_t> &bytes)
{
	std::vector<Block> blocks;
	std::size_t at = 0;
	while (at < bytes.size()) {
		Block b;
		b.type = read_at<std::uint32_t>(bytes, at);
		const auto total = read_at<std::uint32_t>(bytes, at + 4);
		EXPECT_EQ(total % 4, 0u);
		EXPECT_GE(total, 12u);
		if (total < 12 || at + total > bytes.size()) {
			ADD_FAILURE() << "block at " << at << " runs past the end";
			break;
		}
		EXPECT_EQ(read_at<std::uint32_t>(bytes, at + total - 4), total);
		b.body.assign(bytes.begin() + static_cast<long>(at) + 8,
			      bytes.begin() + static_cast<long>(at + total) - 4);
		blocks.push_back(std::move(b));
		at += total;
	}
	return blocks;
}

std::uint64_t u64_of(const std::string &value)
{
	std::uint64_t v = 0;
	EXPECT_EQ(value.size(), sizeof(v));
	std::memcpy(&v, value.data(), std::min(value.size(), sizeof(v)));
	return v;
}

std::uint32_t u32_of(const std::string &value)
{
	std::uint32_t v = 0;
	EXPECT_EQ(value.size(), sizeof(v));
	std::memcpy(&v, value.data(), std::min(value.size(), sizeof(v)));
	return v;
}

// A TCP SYN from 10.1.2.3:40000 to 10.4.5.6:8080 behind an Ethernet
// header; `ip_only` leaves the Ethernet header out.
std::vector<std::uint8_t> tcp_syn(bool ip_only)
{
	std::vector<std::uint8_t> eth = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00};
	std::vector<std::uint8_t> ip = {0x45, 0, 0,  40, 0, 1, 0x40, 0, 64, 6,
					0,    0, 10, 1,  2, 3, 10,   4, 5,  6};
	std::vector<std::uint8_t> tcp = {0x9c, 0x40, 0x1f, 0x90, 0,    0,    0, 1, 0, 0,
					 0,    0,    0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0};
	std::vector<std::uint8_t> packet = ip_only ? std::vector<std::uint8_t>{} : eth;
	packet.insert(packet.end(), ip.begin(), ip.end());
	packet.insert(packet.end(), tcp.begin(), tcp.end());
	return packet;
}

// A capture with two interfaces, three packets and their statistics,
// written through an OutputWriter into `fd`.
void write_sample(int fd)
{
	OutputWriter out(fd);
	PcapngWriter pcap(out);
	pcap.section_header("nettrace test");
	const auto eth = pcap.interface(LinkType::Ethernet, 256, "veth0@ns1", "veth0 in ns1");
	const auto raw = pcap.interface(LinkType::Raw, 256, "lo@ns1", "");
	const auto syn = tcp_syn(false);
	const auto syn_ip = tcp_syn(true);
	const std::string_view reason[] = {"reason NO_SOCKET (2); pid 7"};
	Packet first;
	first.interface = eth;
	first.time_ns = 1'700'000'000'123'456'789;
	first.data = syn;
	first.original_length = 100;
	first.direction = Direction::Inbound;
	first.packet_id = 1;
	first.comments = reason;
	pcap.packet(first);
	Packet second;
	second.interface = raw;
	second.time_ns = 1'700'000'001'000'000'001;
	second.data = {syn_ip.data(), 33}; // odd: padding follows
	second.original_length = 40;
	second.direction = Direction::Outbound;
	second.packet_id = 2;
	second.drop_count = 5;
	pcap.packet(second);
	Packet bare;
	bare.interface = eth;
	bare.time_ns = 1'700'000'002'000'000'000;
	bare.data = syn;
	pcap.packet(bare);
	pcap.statistics({.interface = eth,
			 .time_ns = 1'700'000'003'000'000'000,
			 .start_ns = 1'700'000'000'000'000'000,
			 .end_ns = 1'700'000'003'000'000'000,
			 .received = 2,
			 .os_dropped = 0,
			 .delivered = 2});
	pcap.statistics({.interface = raw,
			 .time_ns = 1'700'000'003'000'000'000,
			 .start_ns = 1'700'000'000'000'000'000,
			 .end_ns = 1'700'000'003'000'000'000,
			 .received = 6,
			 .os_dropped = 5,
			 .delivered = 1});
	out.finish();
}

std::vector<std::uint8_t> sample_bytes()
{
	test::TempFile file;
	const int fd = open(file.path.c_str(), O_WRONLY | O_TRUNC);
	EXPECT_GE(fd, 0);
	write_sample(fd);
	close(fd);
	const std::string text = file.read();
	return {text.begin(), text.end()};
}

TEST(PcapngWriter, BlocksReadBackFieldByField)
{
	const std::vector<Block> blocks = parse_blocks(sample_bytes());
	ASSERT_EQ(blocks.size(), 1u + 2 + 3 + 2);

	const Block &shb = blocks[0];
	EXPECT_EQ(shb.type, 0x0A0D0D0Au);
	EXPECT_EQ(read_at<std::uint32_t>(shb.body, 0), 0x1A2B3C4Du);
	EXPECT_EQ(read_at<std::uint16_t>(shb.body, 4), 1);
	EXPECT_EQ(read_at<std::uint16_t>(shb.body, 6), 0);
	EXPECT_EQ(read_at<std::int64_t>(shb.body, 8), -1);
	const auto shb_options = parse_options(shb.body, 16);
	ASSERT_EQ(shb_options.count(4), 1u);
	EXPECT_EQ(shb_options.find(4)->second, "nettrace test");

	const Block &idb = blocks[1];
	EXPECT_EQ(idb.type, 1u);
	EXPECT_EQ(read_at<std::uint16_t>(idb.body, 0), 1);
	EXPECT_EQ(read_at<std::uint32_t>(idb.body, 4), 256u);
	const auto idb_options = parse_options(idb.body, 8);
	EXPECT_EQ(idb_options.find(2)->second, "veth0@ns1");
	EXPECT_EQ(idb_options.find(3)->second, "veth0 in ns1");
	EXPECT_EQ(idb_options.find(9)->second, std::string(1, '\x09'));
	EXPECT_EQ(read_at<std::uint16_t>(blocks[2].body, 0), 101);
	EXPECT_EQ(parse_options(blocks[2].body, 8).count(3), 0u) << "empty description written";

	const Block &first = blocks[3];
	EXPECT_EQ(first.type, 6u);
	EXPECT_EQ(read_at<std::uint32_t>(first.body, 0), 0u);
	const std::uint64_t t = 1'700'000'000'123'456'789;
	EXPECT_EQ(read_at<std::uint32_t>(first.body, 4), static_cast<std::uint32_t>(t >> 32));
	EXPECT_EQ(read_at<std::uint32_t>(first.body, 8), static_cast<std::uint32_t>(t));
	EXPECT_EQ(read_at<std::uint32_t>(first.body, 12), 54u);
	EXPECT_EQ(read_at<std::uint32_t>(first.body, 16), 100u);
	const auto syn = tcp_syn(false);
	EXPECT_EQ(std::memcmp(first.body.data() + 20, syn.data(), syn.size()), 0);
	const auto first_options = parse_options(first.body, 20 + 56);
	EXPECT_EQ(first_options.find(1)->second, "reason NO_SOCKET (2); pid 7");
	EXPECT_EQ(u32_of(first_options.find(2)->second), 1u);
	EXPECT_EQ(u64_of(first_options.find(5)->second), 1u);
	EXPECT_EQ(first_options.count(4), 0u) << "a drop count where nothing was lost";

	const Block &second = blocks[4];
	EXPECT_EQ(read_at<std::uint32_t>(second.body, 0), 1u);
	EXPECT_EQ(read_at<std::uint32_t>(second.body, 12), 33u);
	const auto second_options = parse_options(second.body, 20 + 36);
	EXPECT_EQ(u32_of(second_options.find(2)->second), 2u);
	EXPECT_EQ(u64_of(second_options.find(4)->second), 5u);
	EXPECT_EQ(second_options.count(1), 0u);

	// No options at all: no opt_endofopt either.
	const Block &third = blocks[5];
	EXPECT_EQ(third.body.size(), 20u + 56);
	EXPECT_EQ(read_at<std::uint32_t>(third.body, 16), 54u) << "original length below captured";

	const Block &isb = blocks[7];
	EXPECT_EQ(isb.type, 5u);
	EXPECT_EQ(read_at<std::uint32_t>(isb.body, 0), 1u);
	const auto isb_options = parse_options(isb.body, 12);
	EXPECT_EQ(u64_of(isb_options.find(4)->second), 6u);
	EXPECT_EQ(u64_of(isb_options.find(7)->second), 5u);
	EXPECT_EQ(u64_of(isb_options.find(8)->second), 1u);
	const std::string start = isb_options.find(2)->second;
	ASSERT_EQ(start.size(), 8u);
	const std::uint64_t start_ns = 1'700'000'000'000'000'000;
	EXPECT_EQ(read_at<std::uint32_t>({start.begin(), start.end()}, 0),
		  static_cast<std::uint32_t>(start_ns >> 32));
	EXPECT_EQ(read_at<std::uint32_t>({start.begin(), start.end()}, 4),
		  static_cast<std::uint32_t>(start_ns));
}

// The buffer is reused: after a flush, the next block starts where the
// buffer does, and its length is patched there, not at a stale offset.
TEST(PcapngWriter, BlocksStayWholeAcrossFlushes)
{
	test::TempFile file;
	const int fd = open(file.path.c_str(), O_WRONLY | O_TRUNC);
	ASSERT_GE(fd, 0);
	{
		OutputWriter out(fd);
		PcapngWriter pcap(out);
		pcap.section_header("nettrace test");
		const auto lo = pcap.interface(LinkType::Raw, 64, "lo", "");
		const auto syn = tcp_syn(true);
		for (std::uint64_t i = 1; i <= 3000; ++i) {
			Packet p;
			p.interface = lo;
			p.time_ns = 1;
			p.data = syn;
			p.packet_id = i;
			pcap.packet(p);
			out.event_done();
			if (i % 7 == 0)
				out.flush();
		}
		out.finish();
	}
	close(fd);
	const std::string text = file.read();
	const auto blocks = parse_blocks({text.begin(), text.end()});
	ASSERT_EQ(blocks.size(), 3002u);
	EXPECT_EQ(u64_of(parse_options(blocks.back().body, 20 + 40).find(5)->second), 3000u);
}

// What Wireshark's own tools make of the file.
class PcapngReaders : public ::testing::Test {
protected:
	void SetUp() override
	{
		const int fd = open(file_.path.c_str(), O_WRONLY | O_TRUNC);
		ASSERT_GE(fd, 0);
		write_sample(fd);
		close(fd);
	}
	test::TempFile file_;
};

TEST_F(PcapngReaders, TsharkShowsEveryField)
{
	const auto r = test::run_process({"tshark",
					  "-r",
					  file_.path,
					  "-T",
					  "fields",
					  "-E",
					  "separator=|",
					  "-e",
					  "frame.interface_name",
					  "-e",
					  "ip.src",
					  "-e",
					  "tcp.dstport",
					  "-e",
					  "frame.comment",
					  "-e",
					  "frame.packet_flags_direction",
					  "-e",
					  "frame.packet_id",
					  "-e",
					  "frame.drop_count",
					  "-e",
					  "frame.len",
					  "-e",
					  "frame.time_epoch"});
	ASSERT_EQ(r.exit_code, 0) << r.err;
	std::istringstream lines(r.out);
	std::vector<std::string> rows;
	for (std::string l; std::getline(lines, l);)
		rows.push_back(l);
	ASSERT_EQ(rows.size(), 3u) << r.out;
	// tshark shows the direction bits as they are in epb_flags.
	EXPECT_EQ(rows[0], "veth0@ns1|10.1.2.3|8080|reason NO_SOCKET (2); pid 7|0x00000001|1||100|"
			   "1700000000.123456789");
	// 33 bytes: the IP header and the start of the TCP header.
	EXPECT_EQ(rows[1], "lo@ns1|10.1.2.3|8080||0x00000002|2|5|40|1700000001.000000001") << r.out;
	EXPECT_EQ(rows[2], "veth0@ns1|10.1.2.3|8080|||||54|1700000002.000000000");
}

TEST_F(PcapngReaders, CapinfosAndEditcapAcceptIt)
{
	const auto info = test::run_process({"capinfos", "-M", "-c", "-I", file_.path});
	ASSERT_EQ(info.exit_code, 0) << info.err;
	EXPECT_NE(info.out.find("Number of packets:   3"), std::string::npos) << info.out;
	EXPECT_NE(info.out.find("Number of interfaces in file: 2"), std::string::npos) << info.out;
	// Rewritten by editcap, which reads every block and writes its own:
	// the packets must all survive. (Not to the older pcap format: one
	// pcap file holds one link type, and this capture has two.)
	test::TempFile back;
	const auto again = test::run_process({"editcap", "-F", "pcapng", file_.path, back.path});
	ASSERT_EQ(again.exit_code, 0) << again.err;
	const auto info_back = test::run_process({"capinfos", "-M", "-c", back.path});
	ASSERT_EQ(info_back.exit_code, 0) << info_back.err;
	EXPECT_NE(info_back.out.find("Number of packets:   3"), std::string::npos) << info_back.out;
}

} // namespace
