// SPDX-License-Identifier: MIT
// The exporter's one probe: skb:kfree_skb, by tp_btf, else raw_tp, else
// the classic tracepoint, each tried for real. What attached holds the
// counting map (exporter.h) until destroyed.
#pragma once

#include <nettrace/common/bpf/attach.hpp>
#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/common/kernel/free_kind.hpp>
#include <nettrace/filter_spec.h>

#include <cstdint>
#include <memory>
#include <string>

namespace nettrace::exporter {

struct ProbeSettings {
	nt_filter filter{};
	std::uint32_t max_series = 0; // rows of the counting map
	// free_kind_facts() of this kernel (nettrace/free_kind.h).
	nt_free_kind_facts free_kinds = no_free_kind_facts();
};

class DropProbe {
public:
	// Loads and attaches; throws RuntimeError naming each mechanism's
	// failure when none attaches, with nothing left attached.
	DropProbe(const ProbeSettings &settings, const KernelFacts &kernel);
	~DropProbe();
	DropProbe(const DropProbe &) = delete;
	DropProbe &operator=(const DropProbe &) = delete;

	bpf::AttachKind mechanism() const { return mechanism_; }
	// Whether the drops carry their reason (skb:kfree_skb's, 5.17 on).
	bool reasons() const { return reasons_; }
	// The per-CPU hash of exporter_key -> exporter_value.
	int map_fd() const;
	std::uint32_t capacity() const { return capacity_; }
	// Drops that found the map full, in mapped memory the BPF side adds to.
	std::uint64_t series_dropped() const;

private:
	struct Objects;
	std::unique_ptr<Objects> objects_;
	bpf::AttachKind mechanism_ = bpf::AttachKind::TpBtf;
	bool reasons_ = false;
	std::uint32_t capacity_ = 0;
};

} // namespace nettrace::exporter
