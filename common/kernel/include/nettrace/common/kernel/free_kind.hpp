// SPDX-License-Identifier: MIT
// Which frees lose a packet: the user side of nettrace/free_kind.h. BPF
// programs classify what they can (free_kind.bpf.h); this settles the rest
// and names the kinds, the same for every tool's output and for metric
// labels.
#pragma once

#include <nettrace/common/kernel/drop_reasons.hpp>
#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/common/kernel/symbols.hpp>
#include <nettrace/free_kind.h>

#include <cstdint>
#include <string_view>

namespace nettrace {

enum class FreeKind : std::uint8_t {
	Drop = NT_FREE_DROP,              // a packet lost
	ClosePurge = NT_FREE_CLOSE_PURGE, // queued on a TCP socket that closed
	TapCopy = NT_FREE_TAP_COPY,       // a copy a packet or raw socket held
	TimeWait = NT_FREE_TIME_WAIT,     // a segment a timewait socket answered
};

// "drop", "close_purge", "tap_copy", "time_wait": the word for the kind in
// text and JSON output, and as a label.
std::string_view free_kind_name(FreeKind kind) noexcept;

// Every code NT_NO_REASON and no receiving socket: what BPF objects decide
// with when nothing is known of the kernel.
constexpr nt_free_kind_facts no_free_kind_facts() noexcept
{
	return {NT_NO_REASON, NT_NO_REASON, NT_NO_REASON, 0};
}

// What BPF objects get as nt_free_kind_facts: this kernel's codes of the
// reasons that decide a kind, NT_NO_REASON for those it lacks, and
// whether skb:kfree_skb passes rx_sk. Without QUEUE_PURGE (before 6.7, or
// when its reason names cannot be read) or rx_sk (before 6.11) the drop
// site decides.
nt_free_kind_facts free_kind_facts(const KernelFacts &kernel);

// Is `function` one that frees a socket's queued packets when the socket
// goes away? The places kernels without QUEUE_PURGE purge from:
// sk_stream_kill_queues (a TCP socket done), inet_sock_destruct (any IP
// socket freed), skb_queue_purge and skb_queue_purge_reason (packet
// sockets and others, called from their release).
bool is_queue_purge_function(std::string_view function) noexcept;

// Is `function` where TCP frees what a timewait socket answered:
// tcp_v4_rcv, tcp_v6_rcv.
bool is_tcp_receive_function(std::string_view function) noexcept;

// The kind of a free as BPF reported it (NT_FREE_*, maybe with
// NT_FREE_IF_SITE): when the site decides, the free is of the kind given
// if `location` (the drop's return address) lies in a function of that
// kind (a queue purge function in the kernel, or TCP's receive for
// time_wait, tcp_v6_rcv also in the ipv6 module), and a drop otherwise,
// also when it resolves to nothing.
// No allocation; a symbol lookup only when the site decides.
FreeKind settle_free_kind(std::uint8_t reported, std::uint64_t location,
			  const KernelSymbols &symbols) noexcept;

} // namespace nettrace
