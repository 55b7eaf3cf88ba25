// SPDX-License-Identifier: MIT
// Loads and attaches the tcpdrop BPF program in the variant this kernel
// supports, trying the others when one is refused.
#pragma once

#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/common/kernel/free_kind.hpp>
#include <nettrace/filter_spec.h>

#include <linux/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nettrace::tcpdrop {

// --attach: a choice among skb:kfree_skb's attach kinds (bpf::AttachKind
// TpBtf or Tracepoint), or Auto to take the best that loads.
enum class Attach { Auto, TpBtf, Tracepoint };

struct TracerSettings {
	nt_filter filter{};
	bool stacks = true;
	// -w: bytes of each packet to copy into its record (--snaplen); 0
	// copies none.
	std::uint32_t snaplen = 0;
	std::uint8_t reason_mode = 0;            // TCPDROP_REASONS_*
	std::vector<std::uint32_t> reason_codes; // for ONLY / EXCEPT
	// --all: send frees that lose no packet too (nettrace/free_kind.h).
	bool show_all_frees = false;
	// free_kind_facts() of this kernel.
	nt_free_kind_facts free_kinds = no_free_kind_facts();
	// What skb:kfree_skb passes tp_btf programs on this kernel
	// (KernelFacts); none without BTF.
	std::optional<KfreeSkbLayout> kfree_skb;
	Attach attach = Attach::Auto;
};

class Tracer {
public:
	// Attaches the first variant `settings.attach` allows that loads:
	// tp_btf (richest arguments first), then the classic tracepoint.
	// Throws RuntimeError, naming why the first one failed, when none can
	// be loaded and attached. Nothing stays attached after a throw.
	explicit Tracer(const TracerSettings &settings);
	~Tracer();

	int ring_buffer_fd() const;
	const volatile __u64 *lost_events() const;
	// Frees that lose no packet, left out by the BPF side (without --all).
	const volatile __u64 *frees_hidden() const;
	// What attached, e.g. "tp_btf/kfree_skb (skb, location, reason, rx_sk)".
	const std::string &variant() const { return variant_; }
	// Variants tried before it, each with why it failed.
	const std::vector<std::string> &skipped() const { return skipped_; }

	struct Loaded; // the skeletons; defined where their headers are included

private:
	std::unique_ptr<Loaded> loaded_;
	std::string variant_;
	std::vector<std::string> skipped_;
};

} // namespace nettrace::tcpdrop
