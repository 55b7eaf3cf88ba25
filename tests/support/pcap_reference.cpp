// SPDX-License-Identifier: MIT
#include "pcap_reference.hpp"

#include <nettrace/common/pcap/compile.hpp>

#include <memory>
#include <pcap/pcap.h>

namespace nettrace::test {

std::uint32_t libpcap_result(const pcap::ClassicProgram &program,
			     const std::vector<std::uint8_t> &packet)
{
	std::vector<bpf_insn> insns;
	insns.reserve(program.size());
	for (const pcap::ClassicInsn &c : program)
		insns.push_back({c.code, c.jt, c.jf, c.k});
	const auto size = static_cast<u_int>(packet.size());
	return bpf_filter(insns.data(), packet.data(), size, size);
}

bool libpcap_matches(const pcap::ClassicProgram &program, const std::vector<std::uint8_t> &packet)
{
	return libpcap_result(program, packet) != 0;
}

std::string libpcap_compile_error(const std::string &expression)
{
	std::unique_ptr<pcap_t, decltype(&pcap_close)> handle(
		pcap_open_dead(pcap::kLinkType, pcap::kSnapLength), pcap_close);
	bpf_program program{};
	if (pcap_compile(handle.get(), &program, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) ==
	    0) {
		pcap_freecode(&program);
		return "";
	}
	return pcap_geterr(handle.get());
}

} // namespace nettrace::test
