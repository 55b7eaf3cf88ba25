// SPDX-License-Identifier: MIT
#include "skbstat_rows.hpp"

#include <nettrace/common/kernel/free_kind.hpp>

#include <algorithm>
#include <utility>

namespace nettrace::skbstat {

void settle_drop_rows(std::vector<StackRow> &rows, const KernelSymbols &symbols)
{
	std::vector<StackRow> merged;
	merged.reserve(rows.size());
	for (StackRow &row : rows) {
		row.free_kind = static_cast<std::uint8_t>(
			settle_free_kind(row.free_kind, row.location, symbols));
		auto same = std::find_if(merged.begin(), merged.end(), [&](const StackRow &m) {
			return m.free_kind == row.free_kind && m.reason == row.reason &&
			       m.location == row.location &&
			       m.stack_recorded == row.stack_recorded && m.frames == row.frames;
		});
		if (same == merged.end())
			merged.push_back(std::move(row));
		else
			same->count += row.count;
	}
	std::stable_sort(merged.begin(), merged.end(),
			 [](const StackRow &a, const StackRow &b) { return a.count > b.count; });
	rows = std::move(merged);
}

} // namespace nettrace::skbstat
