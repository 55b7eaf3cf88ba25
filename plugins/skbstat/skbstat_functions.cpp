// SPDX-License-Identifier: MIT
// Function points: by fentry, else by kprobe, each program optional.
#include "skbstat_objects.hpp"

#include <nettrace/common/bpf/best_effort.hpp>

#include <fmt/format.h>

namespace nettrace::skbstat {

using bpf::AttachFailure;
using bpf::AttachKind;

void add_reason(std::string &why, const std::string &reason)
{
	why += why.empty() ? "" : "; ";
	why += reason;
}

namespace {

// Loads an object with one program per point in `todo`, leaving out those
// the kernel refuses, attaches each, and keeps the object in `slot` only
// if something attached.
template <typename Skel>
void attach_by(std::unique_ptr<Owned<Skel>> &slot, bpf::SkeletonOps<Skel> ops,
	       const char *object_name, AttachKind kind, const std::vector<PointStatus *> &todo,
	       const nt_filter &filter, Probes::Objects &objects)
{
	if (todo.empty())
		return;
	const std::string prefix = std::string(bpf::name(kind)) + "_";
	std::vector<std::string> programs;
	for (const PointStatus *s : todo)
		programs.push_back(prefix + s->point->function);
	auto loaded = bpf::load_best_effort<Skel>(ops, object_name, programs, [&](Skel *skel) {
		skel->rodata->nettrace_filter = filter;
	});
	slot = std::move(loaded.skeleton);
	const bool all_refused = !slot;
	bool any = false;
	for (std::size_t i = 0; i < todo.size(); ++i) {
		PointStatus &s = *todo[i];
		const auto &refused = loaded.programs[i].refused;
		const auto failure = refused ? refused : objects.attach((*slot)->obj, programs[i]);
		if (failure)
			add_reason(s.why_not, failure_text(kind, *failure, s.point->function,
							   all_refused ? "refused to load it"
								       : "rejected the program"));
		else
			s.attached = kind;
		any |= !failure;
	}
	if (!any)
		slot.reset();
}

} // namespace

void Probes::attach_functions(const ProbeSettings &settings, const KernelFacts &kernel)
{
	const auto forced = forced_kind(settings.mode);
	std::vector<PointStatus *> pending;
	for (PointStatus &s : statuses_) {
		if (!s.point->function)
			continue;
		if (forced == AttachKind::TpBtf || forced == AttachKind::Tracepoint) {
			add_reason(s.why_not, fmt::format("not a tracepoint (--attach {})",
							  attach_mode_name(settings.mode)));
			continue;
		}
		pending.push_back(&s);
	}
	if (pending.empty())
		return;

	if (!forced || forced == AttachKind::Fentry) {
		// fentry needs the function in BTF: absent means inlined or gone.
		std::vector<PointStatus *> todo;
		for (PointStatus *s : pending) {
			if (kernel.functions.count(s->point->function))
				todo.push_back(s);
			else {
				s->absent = true;
				add_reason(s->why_not, "fentry: not in this kernel's BTF "
						       "(inlined or renamed)");
			}
		}
		attach_by(objects_->fentry, NETTRACE_SKELETON_OPS(skbstat_fentry_bpf),
			  "skbstat_fentry", AttachKind::Fentry, todo, settings.filter, *objects_);
	}
	if (!forced || forced == AttachKind::Kprobe) {
		std::vector<PointStatus *> todo;
		for (PointStatus *s : pending)
			if (!s->attached)
				todo.push_back(s);
		attach_by(objects_->kprobe, NETTRACE_SKELETON_OPS(skbstat_kprobe_bpf),
			  "skbstat_kprobe", AttachKind::Kprobe, todo, settings.filter, *objects_);
	}
}

} // namespace nettrace::skbstat
