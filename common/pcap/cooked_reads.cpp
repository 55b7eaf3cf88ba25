// SPDX-License-Identifier: MIT
#include <nettrace/common/pcap/cooked_reads.hpp>

#include <linux/filter.h>
#include <nettrace/pcap_filter.h>

namespace nettrace::pcap {
namespace {

struct Part {
	std::uint64_t begin, end; // bytes [begin, end) of the cooked header
	std::uint32_t bit;
};

constexpr Part kParts[] = {
	{4, 8, NT_PCAP_COOKED_IFINDEX},
	{8, 10, NT_PCAP_COOKED_HATYPE},
	{10, 11, NT_PCAP_COOKED_PKTTYPE},
	{11, NT_PCAP_COOKED_LEN, NT_PCAP_COOKED_ADDRESS},
};

std::uint64_t load_size(std::uint16_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_W:
		return 4;
	case BPF_H:
		return 2;
	default:
		return 1;
	}
}

} // namespace

std::uint32_t cooked_reads(const ClassicProgram &program)
{
	std::uint32_t reads = 0;
	for (const ClassicInsn &c : program) {
		const unsigned cls = BPF_CLASS(c.code), mode = BPF_MODE(c.code);
		const bool packet_load = (cls == BPF_LD && (mode == BPF_ABS || mode == BPF_IND)) ||
					 (cls == BPF_LDX && mode == BPF_MSH);
		if (!packet_load)
			continue;
		const std::uint64_t begin = c.k;
		// X is unknown here: an indexed load may reach any byte past k.
		const std::uint64_t end =
			mode == BPF_IND ? NT_PCAP_COOKED_LEN : begin + load_size(c.code);
		for (const Part &part : kParts)
			if (begin < part.end && end > part.begin)
				reads |= part.bit;
	}
	return reads;
}

} // namespace nettrace::pcap
