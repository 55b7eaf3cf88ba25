// SPDX-License-Identifier: MIT
// Whether pcap-filter expressions (the commands' trailing arguments) can be
// compiled here: libpcap compiles them, nettrace translates them.
#pragma once

#include "findings.hpp"

#include <vector>

namespace nettrace::doctor {

std::vector<Finding> check_filter_expressions();

} // namespace nettrace::doctor
