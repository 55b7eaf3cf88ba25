// SPDX-License-Identifier: MIT
// The whole packet filter of a command line: the filter options
// (cli/filter_options.hpp) and the trailing pcap-filter expression, which
// must both match (AND).
#pragma once

#include <nettrace/common/cli/filter_options.hpp>
#include <nettrace/filter_spec.h>

namespace nettrace {

// Compiles and translates `options.expression` (when given) and makes it
// the expression every BPF object loaded from now on gets
// (bpf/packet_expression.hpp), then builds the options' filter, with
// has_expression set so that the programs run it. At parse time, before
// anything is loaded: an expression libpcap refuses, or one that cannot run
// in the kernel (protochain), throws UsageError, one line starting
// "filter expression: ", libpcap's own message for a syntax error.
nt_filter build_packet_filter(const FilterOptions &options);

} // namespace nettrace
