// SPDX-License-Identifier: MIT
#include <nettrace/common/kernel/free_kind.hpp>

#include <array>

namespace nettrace {

std::string_view free_kind_name(FreeKind kind) noexcept
{
	switch (kind) {
	case FreeKind::ClosePurge:
		return "close_purge";
	case FreeKind::TapCopy:
		return "tap_copy";
	case FreeKind::TimeWait:
		return "time_wait";
	case FreeKind::Drop:
		break;
	}
	return "drop";
}

nt_free_kind_facts free_kind_facts(const KernelFacts &kernel)
{
	const auto code = [&](std::string_view name) {
		return kernel.reasons.code(name).value_or(NT_NO_REASON);
	};
	return {code("QUEUE_PURGE"), code("NOT_SPECIFIED"), code("TCP_RFC7323_TW_PAWS"),
		kernel.kfree_skb_has_rx_sk() ? 1u : 0u};
}

namespace {

template <std::size_t N>
bool is_one_of(std::string_view function, const std::array<std::string_view, N> &names) noexcept
{
	// A compiler's copy (".isra.0", ".constprop.0") is the function too.
	function = function.substr(0, function.find('.'));
	for (std::string_view name : names)
		if (function == name)
			return true;
	return false;
}

} // namespace

bool is_queue_purge_function(std::string_view function) noexcept
{
	// __skb_queue_purge is inline: its frees are its caller's.
	static constexpr std::array<std::string_view, 4> purges = {
		"sk_stream_kill_queues",
		"inet_sock_destruct",
		"skb_queue_purge",
		"skb_queue_purge_reason",
	};
	return is_one_of(function, purges);
}

bool is_tcp_receive_function(std::string_view function) noexcept
{
	static constexpr std::array<std::string_view, 2> receives = {"tcp_v4_rcv", "tcp_v6_rcv"};
	return is_one_of(function, receives);
}

FreeKind settle_free_kind(std::uint8_t reported, std::uint64_t location,
			  const KernelSymbols &symbols) noexcept
{
	const auto kind = static_cast<FreeKind>(reported & ~NT_FREE_IF_SITE);
	const bool purge = kind == FreeKind::ClosePurge || kind == FreeKind::TapCopy;
	if (!purge && kind != FreeKind::TimeWait)
		return FreeKind::Drop; // a value no BPF object sends
	if (!(reported & NT_FREE_IF_SITE))
		return kind;
	// A return address: the call that freed is just before it.
	const auto site = location ? symbols.resolve(location - 1) : std::nullopt;
	if (!site)
		return FreeKind::Drop;
	// IPv6 may be a module, and its receive with it.
	const bool at_site = purge ? site->module.empty() && is_queue_purge_function(site->name)
				   : (site->module.empty() || site->module == "ipv6") &&
					     is_tcp_receive_function(site->name);
	return at_site ? kind : FreeKind::Drop;
}

} // namespace nettrace
