// SPDX-License-Identifier: MIT
// skbstat's drop rows once their kinds are settled: a kernel without the
// QUEUE_PURGE reason counts a TCP socket's packet apart from an ownerless
// one dropped at the same site, and both are then one row of drops.
#include "skbstat_rows.hpp"

#include <gtest/gtest.h>

namespace nettrace::skbstat {
namespace {

constexpr std::string_view kallsyms = R"(ffffffff81000000 T _stext
ffffffff81000100 T sk_stream_kill_queues
ffffffff81000300 T nft_do_chain
ffffffff81000600 T _etext
)";

constexpr std::uint64_t nft_site = 0xffffffff81000340;
constexpr std::uint64_t purge_site = 0xffffffff81000140;

StackRow row(std::uint64_t count, int kind, std::uint64_t location)
{
	StackRow r;
	r.count = count;
	r.reason = 12;
	r.free_kind = static_cast<std::uint8_t>(kind);
	r.location = location;
	r.stack_recorded = false;
	return r;
}

TEST(SkbstatRows, RowsThatSettleAsTheSameDropAreOne)
{
	const KernelSymbols symbols = KernelSymbols::from_text(kallsyms);
	std::vector<StackRow> rows = {
		row(2, NT_FREE_DROP, nft_site),
		row(3, NT_FREE_CLOSE_PURGE | NT_FREE_IF_SITE, nft_site),
		row(4, NT_FREE_CLOSE_PURGE | NT_FREE_IF_SITE, purge_site),
	};
	settle_drop_rows(rows, symbols);
	ASSERT_EQ(rows.size(), 2u);
	EXPECT_EQ(rows[0].count, 5u); // most frequent first
	EXPECT_EQ(rows[0].free_kind, NT_FREE_DROP);
	EXPECT_EQ(rows[0].location, nft_site);
	EXPECT_EQ(rows[1].count, 4u);
	EXPECT_EQ(rows[1].free_kind, NT_FREE_CLOSE_PURGE);
}

TEST(SkbstatRows, RowsOfOtherSitesOrStacksStayApart)
{
	const KernelSymbols symbols = KernelSymbols::from_text(kallsyms);
	std::vector<StackRow> rows = {
		row(1, NT_FREE_DROP, nft_site),
		row(1, NT_FREE_DROP, nft_site + 8),
		row(1, NT_FREE_DROP, nft_site),
	};
	rows[2].stack_recorded = true;
	rows[2].frames = {nft_site};
	settle_drop_rows(rows, symbols);
	EXPECT_EQ(rows.size(), 3u);
}

} // namespace
} // namespace nettrace::skbstat
