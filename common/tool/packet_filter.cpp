// SPDX-License-Identifier: MIT
#include <nettrace/common/bpf/packet_expression.hpp>
#include <nettrace/common/pcap/compile.hpp>
#include <nettrace/common/pcap/cooked_reads.hpp>
#include <nettrace/common/pcap/translate.hpp>
#include <nettrace/common/tool/packet_filter.hpp>

namespace nettrace {

nt_filter build_packet_filter(const FilterOptions &options)
{
	// First: it asks nothing of the kernel, and --interface does.
	pcap::EbpfBlock block;
	std::uint32_t cooked_reads = 0;
	if (!options.expression.empty()) {
		const pcap::ClassicProgram classic =
			pcap::compile(pcap::join_expression(options.expression));
		block = pcap::translate(classic);
		cooked_reads = pcap::cooked_reads(classic);
	}
	nt_filter filter = build_filter(options);
	filter.has_expression = !block.empty();
	filter.cooked_reads = cooked_reads;
	bpf::set_packet_expression(std::move(block));
	return filter;
}

} // namespace nettrace
