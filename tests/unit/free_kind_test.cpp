// SPDX-License-Identifier: MIT
// Settling a free's kind by its drop site, as kernels without the
// QUEUE_PURGE reason or the receiving socket need: a /proc/kallsyms-shaped
// table, since the running kernel here names both.
#include <nettrace/common/kernel/free_kind.hpp>
#include <nettrace/common/kernel/symbols.hpp>

#include <gtest/gtest.h>

namespace nettrace {
namespace {

constexpr std::string_view kallsyms = R"(ffffffff81000000 T _stext
ffffffff81000100 T sk_stream_kill_queues
ffffffff81000200 T skb_queue_purge
ffffffff81000300 T nf_hook_slow
ffffffff81000400 t inet_sock_destruct.cold
ffffffff81000500 T tcp_v4_rcv
ffffffff81000600 T tcp_v6_rcv
ffffffff81000700 T _etext
ffffffffc0000000 t skb_queue_purge	[some_module]
ffffffffc0001000 t tcp_v6_rcv	[ipv6]
ffffffffc0002000 t tcp_v4_rcv	[some_module]
)";

constexpr std::uint8_t if_site(int kind)
{
	return static_cast<std::uint8_t>(kind | NT_FREE_IF_SITE);
}

TEST(FreeKind, TheDropSiteSettlesWhatBpfCouldNot)
{
	const KernelSymbols symbols = KernelSymbols::from_text(kallsyms);
	// Return addresses inside each function.
	EXPECT_EQ(settle_free_kind(if_site(NT_FREE_CLOSE_PURGE), 0xffffffff81000140, symbols),
		  FreeKind::ClosePurge);
	EXPECT_EQ(settle_free_kind(if_site(NT_FREE_TAP_COPY), 0xffffffff81000220, symbols),
		  FreeKind::TapCopy);
	EXPECT_EQ(settle_free_kind(if_site(NT_FREE_TAP_COPY), 0xffffffff81000410, symbols),
		  FreeKind::TapCopy);
	// A TCP socket's packet dropped by a firewall rule stays a drop.
	EXPECT_EQ(settle_free_kind(if_site(NT_FREE_CLOSE_PURGE), 0xffffffff81000340, symbols),
		  FreeKind::Drop);
	// A call that was a purge function's last instruction returns past it.
	EXPECT_EQ(settle_free_kind(if_site(NT_FREE_CLOSE_PURGE), 0xffffffff81000200, symbols),
		  FreeKind::ClosePurge);
	// A module's function of the same name is not the kernel's.
	EXPECT_EQ(settle_free_kind(if_site(NT_FREE_TAP_COPY), 0xffffffffc0000010, symbols),
		  FreeKind::Drop);
	// Nothing known: never hidden.
	EXPECT_EQ(settle_free_kind(if_site(NT_FREE_TAP_COPY), 0, symbols), FreeKind::Drop);
	EXPECT_EQ(settle_free_kind(if_site(NT_FREE_TAP_COPY), 0xffffffff81000700, symbols),
		  FreeKind::Drop);
	EXPECT_EQ(settle_free_kind(if_site(NT_FREE_CLOSE_PURGE), 0xffffffff81000140,
				   KernelSymbols::from_text("")),
		  FreeKind::Drop);
}

TEST(FreeKind, WhatBpfSettledStands)
{
	const KernelSymbols symbols = KernelSymbols::from_text(kallsyms);
	EXPECT_EQ(settle_free_kind(NT_FREE_CLOSE_PURGE, 0xffffffff81000540, symbols),
		  FreeKind::ClosePurge);
	EXPECT_EQ(settle_free_kind(NT_FREE_DROP, 0xffffffff81000140, symbols), FreeKind::Drop);
	EXPECT_EQ(settle_free_kind(if_site(NT_FREE_DROP), 0xffffffff81000140, symbols),
		  FreeKind::Drop);
	EXPECT_EQ(settle_free_kind(0x7f, 0xffffffff81000140, symbols), FreeKind::Drop);
	EXPECT_EQ(settle_free_kind(NT_FREE_TIME_WAIT, 0xffffffff81000140, symbols),
		  FreeKind::TimeWait);
}

TEST(FreeKind, TimeWaitAnswersAreToldByTcpsReceive)
{
	const KernelSymbols symbols = KernelSymbols::from_text(kallsyms);
	EXPECT_EQ(settle_free_kind(if_site(NT_FREE_TIME_WAIT), 0xffffffff81000540, symbols),
		  FreeKind::TimeWait);
	EXPECT_EQ(settle_free_kind(if_site(NT_FREE_TIME_WAIT), 0xffffffff81000620, symbols),
		  FreeKind::TimeWait);
	// Each kind has its own sites: a purge function is none of TCP's.
	EXPECT_EQ(settle_free_kind(if_site(NT_FREE_TIME_WAIT), 0xffffffff81000140, symbols),
		  FreeKind::Drop);
	EXPECT_EQ(settle_free_kind(if_site(NT_FREE_CLOSE_PURGE), 0xffffffff81000540, symbols),
		  FreeKind::Drop);
	EXPECT_EQ(settle_free_kind(if_site(NT_FREE_TIME_WAIT), 0, symbols), FreeKind::Drop);
	// IPv6 as a module receives there; no other module does.
	EXPECT_EQ(settle_free_kind(if_site(NT_FREE_TIME_WAIT), 0xffffffffc0001040, symbols),
		  FreeKind::TimeWait);
	EXPECT_EQ(settle_free_kind(if_site(NT_FREE_TIME_WAIT), 0xffffffffc0002040, symbols),
		  FreeKind::Drop);
}

TEST(FreeKind, NamesAreTheLabels)
{
	EXPECT_EQ(free_kind_name(FreeKind::Drop), "drop");
	EXPECT_EQ(free_kind_name(FreeKind::ClosePurge), "close_purge");
	EXPECT_EQ(free_kind_name(FreeKind::TapCopy), "tap_copy");
	EXPECT_EQ(free_kind_name(FreeKind::TimeWait), "time_wait");
}

} // namespace
} // namespace nettrace
