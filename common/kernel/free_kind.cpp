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
	case FreeKind::Drop:
		break;
	}
	return "drop";
}

std::uint32_t queue_purge_reason_code(const DropReasons &reasons)
{
	return reasons.code("QUEUE_PURGE").value_or(NT_NO_QUEUE_PURGE_REASON);
}

bool is_queue_purge_function(std::string_view function) noexcept
{
	// A compiler's copy (".isra.0", ".constprop.0") is the function too.
	function = function.substr(0, function.find('.'));
	// __skb_queue_purge is inline: its frees are its caller's.
	static constexpr std::array<std::string_view, 4> purges = {
		"sk_stream_kill_queues",
		"inet_sock_destruct",
		"skb_queue_purge",
		"skb_queue_purge_reason",
	};
	for (std::string_view p : purges)
		if (function == p)
			return true;
	return false;
}

FreeKind settle_free_kind(std::uint8_t reported, std::uint64_t location,
			  const KernelSymbols &symbols) noexcept
{
	const auto kind = static_cast<FreeKind>(reported & ~NT_FREE_IF_PURGE_SITE);
	if (kind != FreeKind::ClosePurge && kind != FreeKind::TapCopy)
		return FreeKind::Drop;
	if (!(reported & NT_FREE_IF_PURGE_SITE))
		return kind;
	// A return address: the call that freed is just before it.
	const auto site = location ? symbols.resolve(location - 1) : std::nullopt;
	return site && site->module.empty() && is_queue_purge_function(site->name) ? kind
										   : FreeKind::Drop;
}

} // namespace nettrace
