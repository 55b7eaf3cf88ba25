// SPDX-License-Identifier: MIT
// libFuzzer target for the pcap-filter translator: expressions from a small
// grammar, plus raw classic programs, through compile() and translate().
// Whatever libpcap compiles must translate or be refused with a message,
// never crash, and every block made must pass check_block(), the shape the
// verifier asks for. Kernel verdicts are compared with libpcap's in
// test_pcap_filter; this covers the expressions no list would think of.
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

void check(const ClassicProgram &program, const std::string &what)
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
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	FuzzedDataProvider in(data, size);
	if (in.ConsumeBool()) {
		// Any classic program, valid or not: refused or well-formed.
		ClassicProgram program;
		while (in.remaining_bytes() >= 8 && program.size() < 64)
			program.push_back({in.ConsumeIntegral<std::uint16_t>(),
					   in.ConsumeIntegral<std::uint8_t>(),
					   in.ConsumeIntegral<std::uint8_t>(),
					   in.ConsumeIntegral<std::uint32_t>()});
		check(program, "raw program");
		return 0;
	}
	const std::string text = expression(in, 0);
	ClassicProgram program;
	try {
		program = nettrace::pcap::compile(text);
	} catch (const nettrace::UsageError &) {
		return 0; // libpcap's own refusal
	}
	check(program, text);
	return 0;
}
