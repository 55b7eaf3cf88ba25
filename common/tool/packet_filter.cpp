// SPDX-License-Identifier: MIT
#include <nettrace/common/bpf/packet_expression.hpp>
#include <nettrace/common/pcap/compile.hpp>
#include <nettrace/common/pcap/translate.hpp>
#include <nettrace/common/tool/packet_filter.hpp>

namespace nettrace {

nt_filter build_packet_filter(const FilterOptions &options)
{
	// First: it asks nothing of the kernel, and --interface does.
	pcap::EbpfBlock block;
	if (!options.expression.empty())
		block = pcap::translate(pcap::compile(pcap::join_expression(options.expression)));
	nt_filter filter = build_filter(options);
	filter.has_expression = !block.empty();
	bpf::set_packet_expression(std::move(block));
	return filter;
}

} // namespace nettrace
