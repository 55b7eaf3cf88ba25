// SPDX-License-Identifier: MIT
#include "exporter_points.hpp"

#include "exporter_points_fentry.skel.h"
#include "exporter_points_kprobe.skel.h"
#include "exporter_points_tp.skel.h"
#include "exporter_points_tracepoint.skel.h"

#include <nettrace/common/bpf/best_effort.hpp>
#include <nettrace/common/bpf/skeleton.hpp>
#include <nettrace/errors.hpp>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <unistd.h>

namespace nettrace::exporter {

using bpf::AttachFailure;
using bpf::AttachKind;

template <typename Skel>
using Owned = std::unique_ptr<bpf::Skeleton<Skel>>;

struct PointProbes::Objects {
	int map_fd = -1; // the one counting map every object below shares
	Owned<exporter_points_tp_bpf> tp;
	Owned<exporter_points_tracepoint_bpf> tracepoint;
	Owned<exporter_points_fentry_bpf> fentry;
	Owned<exporter_points_kprobe_bpf> kprobe;
	std::vector<bpf_link *> links;

	~Objects()
	{
		for (bpf_link *link : links)
			bpf_link__destroy(link);
		if (map_fd >= 0)
			close(map_fd);
	}
};

namespace {

void add_reason(std::string &why, const std::string &reason)
{
	why += why.empty() ? "" : "; ";
	why += reason;
}

// Loads an object with one program per point in `todo` (named `prefix`
// and the event or function), leaving out those the kernel refuses,
// attaches each, and keeps the object in `slot` only if something
// attached.
template <typename Skel>
void attach_by(Owned<Skel> &slot, bpf::SkeletonOps<Skel> ops, const char *object, AttachKind kind,
	       const char *prefix, const std::vector<PointStatus *> &todo, const nt_filter &filter,
	       PointProbes::Objects &o)
{
	if (todo.empty())
		return;
	std::vector<std::string> programs;
	for (const PointStatus *s : todo)
		programs.push_back(prefix + std::string(s->point->event ? s->point->event
									: s->point->function));
	auto loaded = bpf::load_best_effort<Skel>(ops, object, programs, [&](Skel *skel) {
		skel->rodata->nettrace_filter = filter;
		if (const int err = bpf_map__reuse_fd(skel->maps.point_counts, o.map_fd))
			throw RuntimeError(
				fmt::format("{}: cannot share the point counting map: {}", object,
					    bpf::errno_text(-err)));
	});
	slot = std::move(loaded.skeleton);
	const bool all_refused = !slot;
	const std::size_t links_before = o.links.size();
	for (std::size_t i = 0; i < todo.size(); ++i) {
		PointStatus &s = *todo[i];
		std::optional<AttachFailure> failure = loaded.programs[i].refused;
		if (!failure) {
			bpf_link *link = bpf_program__attach(bpf_object__find_program_by_name(
				(*slot)->obj, programs[i].c_str()));
			if (link)
				o.links.push_back(link);
			else
				failure =
					AttachFailure{AttachFailure::Stage::Attach, errno, {}, {}};
		}
		const char *target = s.point->event ? s.point->event : s.point->function;
		if (failure)
			add_reason(s.why_not,
				   bpf::failure_text(kind, *failure, target,
						     all_refused ? "refused to load it"
								 : "rejected the program"));
		else
			s.attached = kind;
	}
	if (o.links.size() == links_before)
		slot.reset();
}

// The points in `statuses` of one sort (tracepoints or functions) that
// no mechanism has attached yet.
std::vector<PointStatus *> pending(std::vector<PointStatus> &statuses, bool tracepoints)
{
	std::vector<PointStatus *> todo;
	for (PointStatus &s : statuses)
		if (!s.attached && (s.point->event != nullptr) == tracepoints)
			todo.push_back(&s);
	return todo;
}

} // namespace

PointProbes::PointProbes(const std::vector<const bpf::ProbePoint *> &points,
			 const nt_filter &filter, std::uint32_t max_series,
			 const KernelFacts &kernel)
    : objects_(std::make_unique<Objects>())
{
	Objects &o = *objects_;
	const int cpus = libbpf_num_possible_cpus();
	if (cpus <= 0)
		throw RuntimeError("cannot tell the number of possible CPUs");
	per_cpu_.resize(static_cast<std::size_t>(cpus));
	o.map_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "point_counts",
				  sizeof(exporter_point_key), sizeof(__u64), max_series, nullptr);
	if (o.map_fd < 0)
		throw RuntimeError("cannot make the point counting map: " + bpf::errno_text(errno));

	// A point this kernel does not have is not tried: for a tracepoint,
	// no tp_btf prototype in BTF; for fentry, a function not in BTF
	// (inlined or renamed), which a kprobe may still find.
	std::vector<PointStatus *> tracepoints, in_btf;
	for (const bpf::ProbePoint *p : points)
		statuses_.push_back({p, std::nullopt, {}});
	for (PointStatus &s : statuses_) {
		if (s.point->event && !kernel.tracepoint_args.count(s.point->event))
			add_reason(s.why_not, "this kernel does not have it");
		else if (s.point->event)
			tracepoints.push_back(&s);
		else if (kernel.functions.count(s.point->function))
			in_btf.push_back(&s);
		else
			add_reason(s.why_not,
				   "fentry: not in this kernel's BTF (inlined or renamed)");
	}
	attach_by(o.tp, NETTRACE_SKELETON_OPS(exporter_points_tp_bpf), "exporter_points_tp",
		  AttachKind::TpBtf, "tp_", tracepoints, filter, o);
	tracepoints.clear();
	for (PointStatus *s : pending(statuses_, true))
		if (kernel.tracepoint_args.count(s->point->event))
			tracepoints.push_back(s);
	attach_by(o.tracepoint, NETTRACE_SKELETON_OPS(exporter_points_tracepoint_bpf),
		  "exporter_points_tracepoint", AttachKind::Tracepoint, "tracepoint_", tracepoints,
		  filter, o);
	attach_by(o.fentry, NETTRACE_SKELETON_OPS(exporter_points_fentry_bpf),
		  "exporter_points_fentry", AttachKind::Fentry, "fentry_", in_btf, filter, o);
	attach_by(o.kprobe, NETTRACE_SKELETON_OPS(exporter_points_kprobe_bpf),
		  "exporter_points_kprobe", AttachKind::Kprobe, "kprobe_",
		  pending(statuses_, false), filter, o);
}

PointProbes::~PointProbes() = default;

const std::vector<PointCount> &PointProbes::read()
{
	rows_.clear();
	const int fd = objects_->map_fd;
	exporter_point_key key{}, next{};
	const void *prev = nullptr;
	// Rows are deleted only by remove(), on this same thread between
	// walks, so the walk never starts over; one added during it may wait
	// for the next scrape.
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, per_cpu_.data()) != 0)
			continue;
		PointCount row{key, 0};
		for (const __u64 v : per_cpu_)
			row.packets += v;
		rows_.push_back(row);
	}
	return rows_;
}

std::uint64_t PointProbes::remove(const std::vector<std::uint32_t> &netns)
{
	std::uint64_t removed = 0;
	const auto gone = [&netns](const PointCount &row) {
		return std::find(netns.begin(), netns.end(), row.key.netns) != netns.end();
	};
	for (const PointCount &row : rows_)
		if (gone(row) && bpf_map_delete_elem(objects_->map_fd, &row.key) == 0)
			++removed;
	rows_.erase(std::remove_if(rows_.begin(), rows_.end(), gone), rows_.end());
	return removed;
}

std::uint64_t PointProbes::series_dropped() const
{
	std::uint64_t dropped = 0;
	const auto add = [&dropped](const auto &slot) {
		if (slot)
			dropped += (*slot)->bss->point_series_dropped;
	};
	add(objects_->tp);
	add(objects_->tracepoint);
	add(objects_->fentry);
	add(objects_->kprobe);
	return dropped;
}

} // namespace nettrace::exporter
