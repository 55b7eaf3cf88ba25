// SPDX-License-Identifier: MIT
#include <nettrace/common/tool/capture_options.hpp>

#include <nettrace/common/cli/option_values.hpp>
#include <nettrace/errors.hpp>

#include <fmt/format.h>

namespace po = boost::program_options;

namespace nettrace {

void CaptureOptions::add_to(po::options_description &desc)
{
	desc.add_options()("write,w", po::value(&file)->value_name("FILE"),
			   fmt::format("also write {} to FILE as pcapng ('-': standard output, "
				       "which then carries nothing else)",
				       what)
				   .c_str())(
		"snaplen", count_value(&snaplen)->value_name("BYTES"),
		fmt::format("with -w: bytes of each packet to keep (default {}, at most {})",
			    snaplen, max_snaplen)
			.c_str());
}

bool CaptureOptions::asked(const po::variables_map &vm) const
{
	const bool capturing = vm.count("write") > 0;
	if (vm.count("snaplen") && !capturing)
		throw UsageError("--snaplen: only with -w");
	if (snaplen > max_snaplen)
		throw UsageError(
			fmt::format("--snaplen: {} is more than a record carries (at most {})",
				    snaplen, max_snaplen));
	return capturing;
}

} // namespace nettrace
