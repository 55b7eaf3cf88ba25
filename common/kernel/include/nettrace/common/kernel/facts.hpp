// SPDX-License-Identifier: MIT
// What a tracing command needs to know about the running kernel before it
// loads anything, read in one place: the drop reasons' names, what
// skb:kfree_skb passes, the argument counts of the tracepoints and the
// functions a command asks about.
#pragma once

#include <nettrace/common/kernel/drop_reasons.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nettrace {

// What skb:kfree_skb passes a tp_btf program after (skb, location): the
// reason from 5.17 on, the receiving socket from 6.11 on.
struct KfreeSkbLayout {
	bool has_reason = false;
	bool has_rx_sk = false;

	// From the tracepoint's argument count, the one place it is read.
	static KfreeSkbLayout from_arg_count(int args);
	// Arguments a tp_btf program may read: 2, 3 or 4.
	int arg_count() const { return has_rx_sk ? 4 : has_reason ? 3 : 2; }
};

// The questions a command asks besides skb:kfree_skb and drop reasons,
// which are always answered.
struct FactsWanted {
	std::vector<std::string> tracepoints{}; // argument counts wanted
	std::vector<std::string> functions{};   // whether in BTF (fentry can attach)
};

struct KernelFacts {
	DropReasons reasons;
	// None when the kernel has no BTF prototype for it.
	std::optional<KfreeSkbLayout> kfree_skb;
	// The tracepoints asked for that have a tp_btf prototype.
	std::map<std::string, int, std::less<>> tracepoint_args;
	// The functions asked for that are in BTF.
	std::set<std::string, std::less<>> functions;

	// Whether drops carry their reason (skb:kfree_skb's, from 5.17 on).
	bool kfree_skb_has_reason() const { return kfree_skb && kfree_skb->has_reason; }
	// Whether they carry the socket a received packet was meant for
	// (skb:kfree_skb's rx_sk, from 6.11 on).
	bool kfree_skb_has_rx_sk() const { return kfree_skb && kfree_skb->has_rx_sk; }

	// Answers come from the kernel cache; on a kernel's first run, from at
	// most one parse of its BTF, freed before this returns so that loading
	// BPF objects never holds two parsed copies.
	static KernelFacts read(const FactsWanted &wanted = {});
};

} // namespace nettrace
