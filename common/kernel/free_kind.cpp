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

nt_free_reasons free_kind_reason_codes(const DropReasons &reasons)
{
	const auto code = [&](std::string_view name) {
		return reasons.code(name).value_or(NT_NO_REASON);
	};
	return {code("QUEUE_PURGE"), code("NOT_SPECIFIED"), code("TCP_RFC7323_TW_PAWS")};
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
	const bool purge = kind == FreeKind::ClosePurge || kind == FreeKind::TapCopy;
	if (!purge && kind != FreeKind::TimeWait)
		return FreeKind::Drop; // a value no BPF object sends
	if (!(reported & NT_FREE_IF_PURGE_SITE))
		return kind;
	if (!purge)
		return FreeKind::Drop; // only a queue purge is told by its site
	// A return address: the call that freed is just before it.
	const auto site = location ? symbols.resolve(location - 1) : std::nullopt;
	return site && site->module.empty() && is_queue_purge_function(site->name) ? kind
										   : FreeKind::Drop;
}

} // namespace nettrace
