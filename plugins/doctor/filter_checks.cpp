// SPDX-License-Identifier: MIT
#include "filter_checks.hpp"

#include <nettrace/common/pcap/compile.hpp>
#include <nettrace/common/pcap/translate.hpp>

#include <fmt/format.h>

#include <exception>

namespace nettrace::doctor {

std::vector<Finding> check_filter_expressions()
{
	// An expression every libpcap compiles, translated as a command's
	// would be: a failure here is one every expression would meet.
	const char *expression = "tcp port 80 and not net 10.0.0.0/8";
	try {
		const pcap::EbpfBlock block = pcap::translate(pcap::compile(expression));
		return {{"libpcap",
			 Status::Ok,
			 fmt::format("{}: filter expressions compile ('{}': {} eBPF "
				     "instructions)",
				     pcap::library_version(), expression, block.size()),
			 {},
			 {}}};
	} catch (const std::exception &e) {
		return {{"libpcap",
			 Status::Degraded,
			 fmt::format("{}: '{}' does not compile, so commands given a filter "
				     "expression stop: {}",
				     pcap::library_version(), expression, e.what()),
			 "apt install libpcap0.8",
			 {}}};
	}
}

} // namespace nettrace::doctor
