// SPDX-License-Identifier: MIT
// libFuzzer target for the pcap-filter translator: expressions from a small
// grammar, plus raw classic programs, through compile() and translate().
// Whatever libpcap compiles must translate or be refused with a message,
// never crash, and every block made must pass check_block(), the shape the
// verifier asks for. Each block also runs on a packet made of the input
// (block_runner.hpp) and must return what libpcap's interpreter
// returns. Kernel verdicts are
// compared with libpcap's in test_pcap_filter; this covers the expressions
// and packets no list would think of.
#include "block_runner.hpp"
#include "pcap_reference.hpp"

#include <nettrace/common/pcap/block_check.hpp>
#include <nettrace/common/pcap/compile.hpp>
#include <nettrace/common/pcap/translate.hpp>
#include <nettrace/errors.hpp>

#include <cstdio>
#include <cstdlib>
#include <fuzzer/FuzzedDataProvider.h>
#include <string>

namespace {

using nettrace::pcap::ClassicProgram;

const char *const kPrimitives[] = {
	"ip",
	"ip6",
	"tcp",
	"udp",
	"icmp",
	"icmp6",
	"host 10.1.2.3",
	"src net 10.0.0.0/8",
	"dst net 192.168.0.0 mask 255.255.0.0",
	"net 2001:db8::/32",
	"port 80",
	"src port 53",
	"portrange 1000-2000",
	"tcp dst portrange 1-1024",
	"ip proto 47",
	"ip protochain 17",
	"ip6 protochain 6",
	"ip multicast",
	"ip6 multicast",
	"greater 100",
	"less 60",
	"len <= 40",
	"tcp[tcpflags] & tcp-syn != 0",
	"tcp[tcpflags] & (tcp-ack|tcp-fin) = tcp-ack",
	"icmp[icmptype] = icmp-echo",
	"ip[6:2] & 0x1fff != 0",
	"ip[0] & 0xf != 5",
	"udp[8:2] > 1000",
	"ip[1] << ip[8] != 0",
	"ip[2] / (ip[1] & 3) > 1",
	"ip[3] % (ip[8] & 7) = 1",
	"tcp[((tcp[12] & 0xf0) >> 2):4] = 0x47455420",
	"-ip[8] & 0xff > 200",
	"ip6[40] = 128",
	"arp",
	"not ip",
	"ether proto 0x88cc",
	"inbound",
	"outbound",
	"ifindex 4",
	"link[10] = 4",
	"link[18:4] != 0",
	"link[ip[0] & 0x1f:2] > 0x100",
};

std::string value(FuzzedDataProvider &in)
{
	switch (in.ConsumeIntegralInRange(0, 3)) {
	case 0:
		return std::to_string(in.ConsumeIntegral<std::uint32_t>());
	case 1:
		return "ip[" + std::to_string(in.ConsumeIntegralInRange(0, 80)) + "]";
	case 2:
		return "tcp[" + std::to_string(in.ConsumeIntegralInRange(0, 40)) + ":" +
		       std::to_string(1 << in.ConsumeIntegralInRange(0, 2)) + "]";
	default:
		return "len";
	}
}

std::string expression(FuzzedDataProvider &in, int depth)
{
	const int choice = depth > 3 ? 0 : in.ConsumeIntegralInRange(0, 5);
	switch (choice) {
	case 0:
		return kPrimitives[in.ConsumeIntegralInRange<std::size_t>(
			0, sizeof(kPrimitives) / sizeof(kPrimitives[0]) - 1)];
	case 1:
		return "not " + expression(in, depth + 1);
	case 2:
		return "(" + expression(in, depth + 1) + " and " + expression(in, depth + 1) + ")";
	case 3:
		return "(" + expression(in, depth + 1) + " or " + expression(in, depth + 1) + ")";
	case 4: {
		static const char *const ops[] = {"+", "-", "*", "/",  "%",
						  "&", "|", "^", "<<", ">>"};
		static const char *const rel[] = {"=", "!=", ">", "<", ">=", "<="};
		return value(in) + " " + ops[in.ConsumeIntegralInRange(0, 9)] + " " + value(in) +
		       " " + rel[in.ConsumeIntegralInRange(0, 5)] + " " + value(in);
	}
	default:
		return in.ConsumeRandomLengthString(40);
	}
}

// Every opcode libpcap's interpreter knows.
const std::uint16_t kOpcodes[] = {
	0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0x00, 0x60, 0x80,                   // ld
	0x01, 0x61, 0x81, 0xb1, 0x02, 0x03,                                     // ldx, st, stx
	0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x44, 0x4c, 0x54, 0x5c, // alu
	0x64, 0x6c, 0x74, 0x7c, 0x84, 0x94, 0x9c, 0xa4, 0xac,                   //
	0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d,                   // jmp
	0x06, 0x16, 0x07, 0x87,                                                 // ret, tax, txa
};

// A program of known opcodes with jumps that stay inside it: most of what
// this makes translates, so its return value can be compared. It starts
// by storing every memory word, since libpcap's are not zeroed.
ClassicProgram valid_program(FuzzedDataProvider &in)
{
	ClassicProgram program;
	for (std::uint32_t k = 0; k < 16; k++)
		program.push_back({0x02, 0, 0, k});
	const std::size_t body = in.ConsumeIntegralInRange<std::size_t>(1, 24);
	for (std::size_t i = 0; i < body; i++) {
		const std::uint16_t code = kOpcodes[in.ConsumeIntegralInRange<std::size_t>(
			0, sizeof(kOpcodes) / sizeof(kOpcodes[0]) - 1)];
		const std::size_t ahead =
			body - i; // instructions after this one, the return included
		std::uint32_t k = in.ConsumeBool() ? in.ConsumeIntegralInRange<std::uint32_t>(0, 64)
						   : in.ConsumeIntegral<std::uint32_t>();
		if (code == 0x05)
			k %= ahead;
		else if (code == 0x60 || code == 0x61 || code == 0x02 || code == 0x03)
			k %= 16;
		program.push_back(
			{code,
			 static_cast<std::uint8_t>(in.ConsumeIntegral<std::uint8_t>() % ahead),
			 static_cast<std::uint8_t>(in.ConsumeIntegral<std::uint8_t>() % ahead), k});
	}
	program.push_back({static_cast<std::uint16_t>(in.ConsumeBool() ? 0x16 : 0x06), 0, 0,
			   in.ConsumeIntegral<std::uint32_t>()});
	return program;
}

struct Packet {
	std::vector<std::uint8_t> cooked;
	std::vector<std::uint8_t> bytes;

	std::vector<std::uint8_t> wire() const
	{
		std::vector<std::uint8_t> all = cooked;
		all.insert(all.end(), bytes.begin(), bytes.end());
		return all;
	}
};

// A cooked header whose protocol agrees with the bytes' IP version more
// often than not, and whose other fields are the input's.
std::vector<std::uint8_t> cooked_header(FuzzedDataProvider &in,
					const std::vector<std::uint8_t> &bytes)
{
	std::vector<std::uint8_t> c = in.ConsumeBytes<std::uint8_t>(20);
	c.resize(20);
	static const std::uint16_t protocols[] = {0x0800, 0x86dd, 0x0806, 0x88cc};
	std::uint16_t protocol = protocols[c[2] % 4];
	if (!bytes.empty() && c[3] % 4 != 0)
		protocol = bytes[0] >> 4 == 6 ? 0x86dd : 0x0800;
	c[0] = static_cast<std::uint8_t>(protocol >> 8);
	c[1] = static_cast<std::uint8_t>(protocol);
	return c;
}

// Bytes that look like an IPv4 or IPv6 header often enough for filters to
// read past it, behind a cooked header.
Packet packet(FuzzedDataProvider &in)
{
	std::vector<std::uint8_t> bytes =
		in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange(0, 120));
	static const std::uint8_t versions[] = {0x45, 0x46, 0x4f, 0x60, 0x00};
	static const std::uint8_t protocols[] = {6, 17, 1, 58, 47, 0, 44};
	if (bytes.size() > 9) {
		bytes[0] = versions[bytes[1] % sizeof(versions)];
		bytes[bytes[0] >> 4 == 6 ? 6 : 9] = protocols[bytes[2] % sizeof(protocols)];
	}
	std::vector<std::uint8_t> cooked = cooked_header(in, bytes);
	return {std::move(cooked), std::move(bytes)};
}

void check(const ClassicProgram &program, const std::string &what, const Packet &packet)
{
	nettrace::pcap::EbpfBlock block;
	try {
		block = nettrace::pcap::translate(program);
	} catch (const nettrace::UsageError &e) {
		if (std::string(e.what()).empty())
			std::abort();
		return;
	}
	const std::string problem = nettrace::pcap::check_block(block);
	if (!problem.empty()) {
		std::fprintf(stderr, "%s: %s\n", what.c_str(), problem.c_str());
		std::abort();
	}
	// The whole return value, not only whether it is 0: a wrong byte
	// order or shift shows here long before it flips a verdict.
	const auto ours = static_cast<std::uint32_t>(
		nettrace::pcap::run_block(block, packet.cooked, packet.bytes));
	const std::uint32_t libpcap = nettrace::test::libpcap_result(program, packet.wire());
	if (ours != libpcap) {
		std::fprintf(stderr, "%s: returns %#x, libpcap %#x\n", what.c_str(), ours, libpcap);
		std::abort();
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	FuzzedDataProvider in(data, size);
	switch (in.ConsumeIntegralInRange(0, 3)) {
	case 0: {
		// Any classic program, valid or not: refused or well-formed.
		const Packet sample = packet(in);
		ClassicProgram program;
		while (in.remaining_bytes() >= 8 && program.size() < 64)
			program.push_back({in.ConsumeIntegral<std::uint16_t>(),
					   in.ConsumeIntegral<std::uint8_t>(),
					   in.ConsumeIntegral<std::uint8_t>(),
					   in.ConsumeIntegral<std::uint32_t>()});
		check(program, "raw program", sample);
		return 0;
	}
	case 1: {
		const Packet sample = packet(in);
		check(valid_program(in), "valid program", sample);
		return 0;
	}
	default:
		break;
	}
	const Packet sample = packet(in);
	const std::string text = expression(in, 0);
	ClassicProgram program;
	try {
		program = nettrace::pcap::compile(text);
	} catch (const nettrace::UsageError &) {
		return 0; // libpcap's own refusal
	}
	check(program, text, sample);
	return 0;
}
