// SPDX-License-Identifier: MIT
// skbstat's probe points and how each is attached on this kernel: function
// points by fentry, else kprobe; tracepoint points, drops (skb:kfree_skb)
// and consumes (skb:consume_skb) together by tp_btf, else by the classic
// tracepoint. Each mechanism is tried for real, and what could not attach
// says why.
#pragma once

#include "skbstat.h"

#include <nettrace/common/bpf/attach.hpp>
#include <nettrace/common/bpf/probe_points.hpp>
#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/common/kernel/free_kind.hpp>
#include <nettrace/filter_spec.h>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nettrace::skbstat {

using Section = bpf::PathSection;
using bpf::probe_points;
using bpf::ProbePoint;

// --attach: a choice, not a kind. Auto takes, per point, the best kind
// that attaches; the others force one kind: Fentry or Kprobe for function
// points, TpBtf or Tracepoint for tracepoint points, drops and consumes.
enum class AttachMode { Auto, Fentry, Kprobe, TpBtf, Tracepoint };

// The kind `m` forces; nothing for Auto.
std::optional<bpf::AttachKind> forced_kind(AttachMode m);
// As --attach spells it: "auto", "fentry", "tp_btf", ...
const char *attach_mode_name(AttachMode m);

struct PointStatus {
	const ProbePoint *point = nullptr;
	std::optional<bpf::AttachKind> attached;
	std::string why_not; // each mechanism tried and why it failed
	// The kernel has no such event, or no such function in BTF (inlined
	// or renamed): a point this kernel cannot offer, not one it refused.
	bool absent = false;
};

struct ProbeSettings {
	nt_filter filter{};
	bool ingress = false;
	bool egress = false;
	bool drop = true;
	bool consume = false;
	bool stacks = true; // false: drop and consume rows by reason and site only
	__u32 stack_storage = SKBSTAT_MAX_STACKS; // distinct stacks per interval
	AttachMode mode = AttachMode::Auto;
	// free_kind_facts() of this kernel (nettrace/free_kind.h).
	nt_free_kind_facts free_kinds = no_free_kind_facts();
};

// File descriptors and mapped counters the interval reader drains.
struct CounterMaps {
	struct PointCounters {
		int fd;
		volatile __u32 *generation;
	};
	std::vector<PointCounters> point_counts; // one per loaded object
	int stacks[SKBSTAT_GENERATIONS] = {-1, -1};
	int overflow_stacks[SKBSTAT_GENERATIONS] = {-1, -1};
	int drop_rows[SKBSTAT_GENERATIONS] = {-1, -1};
	int consume_rows[SKBSTAT_GENERATIONS] = {-1, -1};
	volatile skbstat_losses *losses = nullptr; // SKBSTAT_GENERATIONS of them
};

// What to ask the kernel's BTF about every probe point.
inline FactsWanted facts_wanted()
{
	return bpf::probe_point_facts();
}

class Probes {
public:
	// Loads and attaches what `settings` asks for. Throws RuntimeError
	// when a forced --attach mechanism attaches nothing, or the drops or
	// consumes asked for cannot be attached by any tracepoint mechanism
	// allowed. Nothing stays attached after a throw.
	Probes(const ProbeSettings &settings, const KernelFacts &kernel);
	~Probes();

	// The points of the requested sections, with what attached each.
	const std::vector<PointStatus> &statuses() const { return statuses_; }
	// Drop and consume stacks: attached through which program, e.g.
	// "tp_btf/kfree_skb (skb, location, reason)"; empty when not asked.
	const std::string &drop_probe() const { return drop_probe_; }
	// Whether skb:kfree_skb passes a drop reason here (from 5.17 on).
	bool drop_reasons() const { return drop_reasons_; }
	const std::string &consume_probe() const { return consume_probe_; }
	// How the drops and consumes attached (both the same way), if asked.
	std::optional<bpf::AttachKind> stacks_mechanism() const { return stacks_mechanism_; }
	CounterMaps counter_maps() const;

	struct Objects;

private:
	void attach_tracepoints(const ProbeSettings &settings, const KernelFacts &kernel);
	std::string attach_tracepoints_by(bpf::AttachKind kind, std::vector<PointStatus *> &points,
					  const ProbeSettings &settings, const KernelFacts &kernel);
	void attach_functions(const ProbeSettings &settings, const KernelFacts &kernel);

	std::unique_ptr<Objects> objects_;
	std::vector<PointStatus> statuses_;
	std::string drop_probe_;
	bool drop_reasons_ = false;
	std::string consume_probe_;
	std::optional<bpf::AttachKind> stacks_mechanism_;
};

} // namespace nettrace::skbstat
