// SPDX-License-Identifier: MIT
// Drop rows as the kernel counted them, made into rows as users read them.
#pragma once

#include "skbstat_counts.hpp"

#include <nettrace/common/kernel/symbols.hpp>

#include <vector>

namespace nettrace::skbstat {

// Settles each row's free kind (settle_free_kind()) and merges the rows
// that are then the same (stack, reason, site, kind), most frequent first.
// BPF counts a free whose kind only its site can tell (kernels without
// the QUEUE_PURGE reason) apart from real drops of the same stack, reason
// and site; once settled as a drop it is one of those.
void settle_drop_rows(std::vector<StackRow> &rows, const KernelSymbols &symbols);

} // namespace nettrace::skbstat
