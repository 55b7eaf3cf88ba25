// SPDX-License-Identifier: MIT
// Probes: the tracepoint half (points, drops and consumes from one
// object) and the counters; the function half is skbstat_functions.cpp.
#include "skbstat_probes.hpp"
#include "skbstat_objects.hpp"

#include <nettrace/common/bpf/best_effort.hpp>
#include <nettrace/common/kernel/btf.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace nettrace::skbstat {

using bpf::AttachFailure;
using bpf::AttachKind;

namespace {

bool wanted(const ProbePoint &p, const ProbeSettings &s)
{
	return p.section == Section::Ingress ? s.ingress : s.egress;
}

} // namespace

Probes::Probes(const ProbeSettings &settings, const KernelFacts &kernel)
    : objects_(std::make_unique<Objects>())
{
	for (const ProbePoint &p : probe_points())
		if (wanted(p, settings))
			statuses_.push_back({&p, std::nullopt, {}});
	attach_tracepoints(settings, kernel);
	attach_functions(settings, kernel);

	if (const auto forced = forced_kind(settings.mode)) {
		// Why the forced kind failed, from a point it applies to.
		const bool functions =
			*forced == AttachKind::Fentry || *forced == AttachKind::Kprobe;
		bool any = false;
		std::string why;
		for (const PointStatus &s : statuses_) {
			any |= s.attached.has_value();
			if (why.empty() && !s.attached &&
			    (s.point->function != nullptr) == functions)
				why = s.why_not;
		}
		if (!any && !statuses_.empty())
			throw RuntimeError(fmt::format(
				"--attach {}: no probe point could be attached this way ({})",
				attach_mode_name(settings.mode), why));
	}
}

Probes::~Probes() = default;

void Probes::attach_tracepoints(const ProbeSettings &settings, const KernelFacts &kernel)
{
	const auto forced = forced_kind(settings.mode);
	const bool points_wanted =
		!forced || *forced == AttachKind::TpBtf || *forced == AttachKind::Tracepoint;
	std::vector<PointStatus *> points;
	for (PointStatus &s : statuses_) {
		if (!s.point->event)
			continue;
		if (!points_wanted) {
			add_reason(s.why_not, fmt::format("not a function (--attach {})",
							  attach_mode_name(settings.mode)));
			continue;
		}
		// Every tracepoint has a tp_btf prototype in BTF: none, no event.
		if (!kernel.tracepoint_args.count(s.point->event)) {
			s.absent = true;
			add_reason(s.why_not, "this kernel does not have it");
			continue;
		}
		points.push_back(&s);
	}
	if (points.empty() && !settings.drop && !settings.consume)
		return;
	// The drops and consumes have only a tracepoint to attach to, so
	// --attach fentry or kprobe leaves them to the tracepoint kinds.
	std::vector<AttachKind> order = {AttachKind::TpBtf, AttachKind::Tracepoint};
	if (forced && points_wanted)
		order = {*forced};
	std::string failures;
	for (AttachKind kind : order) {
		const std::string why = attach_tracepoints_by(kind, points, settings, kernel);
		if (why.empty())
			return;
		for (PointStatus *s : points)
			add_reason(s->why_not, why);
		add_reason(failures, why);
	}
	if (settings.drop || settings.consume)
		throw RuntimeError(fmt::format("cannot attach {}: {}",
					       !settings.consume ? "skb:kfree_skb"
					       : !settings.drop
						       ? "skb:consume_skb"
						       : "skb:kfree_skb and skb:consume_skb",
					       failures));
}

// Tracepoint points, drops and consumes, all by `kind` from one object,
// which then holds the stacks. Empty, or why `kind` could not be used:
// then nothing of it stays loaded or attached.
std::string Probes::attach_tracepoints_by(AttachKind kind, std::vector<PointStatus *> &points,
					  const ProbeSettings &settings, const KernelFacts &kernel)
{
	const bool btf = kind == AttachKind::TpBtf;
	const std::string prefix = btf ? "tp_" : "tracepoint_";
	// kfree_skb passes the reason from 5.17 on, the receiving socket from
	// 6.11 on; the classic program asks CO-RE, the tp_btf ones are picked
	// here.
	const bool reasons = kernel.kfree_skb_has_reason();
	const bool rx_sk = kernel.kfree_skb_has_rx_sk();
	std::vector<std::string> programs;
	for (const PointStatus *s : points)
		programs.push_back(prefix + s->point->event);
	std::string drop, consume;
	if (settings.drop)
		programs.push_back(drop = !btf      ? "tracepoint_kfree_skb"
					  : rx_sk   ? "drop_with_rx_sk"
					  : reasons ? "drop_with_reason"
						    : "drop_without_reason");
	if (settings.consume)
		programs.push_back(consume = btf ? "consume" : "tracepoint_consume_skb");

	Objects &o = *objects_;
	const auto configure = [&](auto *skel) {
		skel->rodata->nettrace_filter = settings.filter;
		skel->rodata->skbstat_no_stack = !settings.stacks;
		skel->rodata->nt_free_kind_facts = settings.free_kinds;
		// Each stack may make rows of several reasons and sites, so the
		// row tables are never smaller than the stack table.
		const __u32 rows = std::max<__u32>(settings.stack_storage, SKBSTAT_MAX_STACKS);
		// Without stacks the stack tables are never written: the
		// smallest table spares the kernel memory it would take.
		for (bpf_map *stacks : {skel->maps.stacks_0, skel->maps.stacks_1})
			bpf_map__set_max_entries(stacks,
						 settings.stacks ? settings.stack_storage : 1);
		for (bpf_map *stacks : {skel->maps.overflow_stacks_0, skel->maps.overflow_stacks_1})
			if (!settings.stacks)
				bpf_map__set_max_entries(stacks, 1);
		for (bpf_map *table : {skel->maps.drop_rows_0, skel->maps.drop_rows_1,
				       skel->maps.consume_rows_0, skel->maps.consume_rows_1})
			bpf_map__set_max_entries(table, rows);
	};
	std::optional<AttachFailure> failure;
	if (btf) {
		auto loaded =
			bpf::load_exactly<skbstat_tp_bpf>(NETTRACE_SKELETON_OPS(skbstat_tp_bpf),
							  "skbstat_tp", programs, configure);
		o.tp = std::move(loaded.skeleton);
		failure = loaded.failure;
	} else {
		auto loaded = bpf::load_exactly<skbstat_tracepoint_bpf>(
			NETTRACE_SKELETON_OPS(skbstat_tracepoint_bpf), "skbstat_tracepoint",
			programs, configure);
		o.tracepoint = std::move(loaded.skeleton);
		failure = loaded.failure;
	}
	const auto give_up = [&](std::size_t links_before, std::string why) {
		o.detach_from(links_before);
		o.tp.reset();
		o.tracepoint.reset();
		return why;
	};
	if (failure)
		return give_up(o.links.size(), failure_text(kind, *failure, nullptr));
	bpf_object *obj = btf ? (*o.tp)->obj : (*o.tracepoint)->obj;
	const std::size_t links_before = o.links.size();
	for (const auto &[program, event] :
	     {std::pair{&drop, "skb:kfree_skb"}, std::pair{&consume, "skb:consume_skb"}}) {
		if (program->empty())
			continue;
		if (const auto e = o.attach(obj, *program))
			return give_up(links_before, fmt::format("{}: {}: {}", bpf::name(kind),
								 event, bpf::errno_text(e->err)));
	}
	for (PointStatus *s : points) {
		if (const auto e = o.attach(obj, prefix + s->point->event))
			add_reason(s->why_not, failure_text(kind, *e, s->point->event));
		else
			s->attached = kind;
	}
	const char *args = reasons ? " (skb, location, reason)" : " (skb, location)";
	if (!drop.empty()) {
		drop_reasons_ = reasons;
		drop_probe_ =
			fmt::format("{}{}", btf ? "tp_btf/kfree_skb" : "tracepoint/skb/kfree_skb",
				    args);
	}
	if (!consume.empty())
		consume_probe_ = btf ? "tp_btf/consume_skb" : "tracepoint/skb/consume_skb";
	if (settings.drop || settings.consume)
		stacks_mechanism_ = kind;
	return {};
}

CounterMaps Probes::counter_maps() const
{
	CounterMaps maps;
	auto add_points = [&](auto &skel) {
		if (skel)
			maps.point_counts.push_back({bpf_map__fd((*skel)->maps.point_counts),
						     &(*skel)->bss->generation});
	};
	// The stacks are in whichever tracepoint object is loaded, if any.
	auto add_stacks = [&](auto &skel) {
		if (!skel)
			return;
		const auto &tp = *skel;
		maps.stacks[0] = bpf_map__fd(tp->maps.stacks_0);
		maps.stacks[1] = bpf_map__fd(tp->maps.stacks_1);
		maps.overflow_stacks[0] = bpf_map__fd(tp->maps.overflow_stacks_0);
		maps.overflow_stacks[1] = bpf_map__fd(tp->maps.overflow_stacks_1);
		maps.drop_rows[0] = bpf_map__fd(tp->maps.drop_rows_0);
		maps.drop_rows[1] = bpf_map__fd(tp->maps.drop_rows_1);
		maps.consume_rows[0] = bpf_map__fd(tp->maps.consume_rows_0);
		maps.consume_rows[1] = bpf_map__fd(tp->maps.consume_rows_1);
		maps.losses = tp->bss->losses;
	};
	add_points(objects_->tp);
	add_points(objects_->tracepoint);
	add_points(objects_->fentry);
	add_points(objects_->kprobe);
	add_stacks(objects_->tp);
	add_stacks(objects_->tracepoint);
	return maps;
}

} // namespace nettrace::skbstat
