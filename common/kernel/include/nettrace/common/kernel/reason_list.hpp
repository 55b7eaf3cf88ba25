// SPDX-License-Identifier: MIT
// A list of drop reason names as an option takes it
// ("NO_SOCKET,NETFILTER_DROP"), checked against the running kernel's.
#pragma once

#include <nettrace/common/kernel/drop_reasons.hpp>

#include <cstdint>
#include <string_view>
#include <vector>

namespace nettrace {

// The codes `list` names, in its order. Throws UsageError naming `option`
// for an empty list or an empty name in it (checked first: no kernel
// needed), and for an unknown name, with what it may have meant;
// RuntimeError when the kernel's names could not be read.
std::vector<std::uint32_t> parse_reason_list(const DropReasons &reasons, std::string_view option,
					     std::string_view list);

} // namespace nettrace
