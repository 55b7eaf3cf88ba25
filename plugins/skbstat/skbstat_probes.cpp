#include "skbstat_probes.hpp"

#include "skbstat_fentry.skel.h"
#include "skbstat_kprobe.skel.h"
#include "skbstat_tp.skel.h"
#include "skbstat_tracepoint.skel.h"

#include <nettrace/common/bpf/skeleton.hpp>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

#include <optional>
#include <string_view>
#include <unistd.h>

namespace nettrace::skbstat {

namespace {

// INGRESS and EGRESS in SKBSTAT_POINTS become Section values.
#define SKBSTAT_FN_POINT(id, section, fn, where)                               \
	ProbePoint{SKBSTAT_##id, Section::section, #fn, #fn, nullptr},
#define SKBSTAT_TP_POINT(id, section, subsystem, event, where)                 \
	ProbePoint{SKBSTAT_##id, Section::section, #subsystem ":" #event, nullptr, #event},
#define INGRESS Ingress
#define EGRESS Egress

const std::array<ProbePoint, SKBSTAT_POINT_COUNT> all_points = {
	SKBSTAT_POINTS(SKBSTAT_FN_POINT, SKBSTAT_TP_POINT)};

#undef INGRESS
#undef EGRESS

template <typename Skel> using Owned = bpf::Skeleton<Skel>;

bool wanted(const ProbePoint &p, const ProbeSettings &s)
{
	return p.section == Section::Ingress ? s.ingress : s.egress;
}

bpf_program *find_program(bpf_object *obj, const std::string &name)
{
	return bpf_object__find_program_by_name(obj, name.c_str());
}

// Errors that mean the mechanism itself is unavailable, not one program.
bool mechanism_wide(int err)
{
	err = err < 0 ? -err : err;
	return err == EPERM || err == EOPNOTSUPP || err == 524 /* ENOTSUPP */ || err == ENOSYS;
}

// The program libbpf named in its last complaint, if any.
std::string failed_program_name()
{
	const std::string log = bpf::libbpf_log_tail(20);
	const auto at = log.rfind("prog '");
	if (at == std::string::npos)
		return {};
	const auto end = log.find('\'', at + 6);
	return end == std::string::npos ? std::string() : log.substr(at + 6, end - at - 6);
}

std::string attach_error(Mechanism m, int err)
{
	err = err < 0 ? -err : err;
	if (m == Mechanism::Kprobe && access("/sys/bus/event_source/devices/kprobe", F_OK) != 0)
		return fmt::format("kprobe: {} (this kernel has no kprobe support: "
				   "CONFIG_KPROBES is off)",
				   std::strerror(err));
	return fmt::format("{}: {}", mechanism_name(m), std::strerror(err));
}

std::string load_error(Mechanism m, int err)
{
	if (err < 0)
		return fmt::format("{}: the kernel kept rejecting programs", mechanism_name(m));
	return fmt::format("{}: the kernel refused to load it ({}{})", mechanism_name(m),
			   std::strerror(err),
			   m == Mechanism::Fentry && err == EPERM
				   ? ": this kernel does not allow fentry programs"
				   : "");
}

void add_reason(std::string &why, const std::string &reason)
{
	why += why.empty() ? "" : "; ";
	why += reason;
}

} // namespace

struct Probes::Objects {
	std::unique_ptr<Owned<skbstat_tp_bpf>> tp;
	std::unique_ptr<Owned<skbstat_tracepoint_bpf>> tracepoint;
	std::unique_ptr<Owned<skbstat_fentry_bpf>> fentry;
	std::unique_ptr<Owned<skbstat_kprobe_bpf>> kprobe;
	std::vector<bpf_link *> links;

	~Objects()
	{
		for (bpf_link *l : links)
			bpf_link__destroy(l);
	}
	// Attaches `prog`; 0 or a negative errno.
	int attach(bpf_program *prog)
	{
		bpf_link *link = bpf_program__attach(prog);
		if (!link)
			return -errno;
		links.push_back(link);
		return 0;
	}
	// Detaches what was attached after the first `kept` links.
	void detach_from(std::size_t kept)
	{
		while (links.size() > kept) {
			bpf_link__destroy(links.back());
			links.pop_back();
		}
	}
};

const char *mechanism_name(Mechanism m)
{
	switch (m) {
	case Mechanism::Fentry:
		return "fentry";
	case Mechanism::Kprobe:
		return "kprobe";
	case Mechanism::TpBtf:
		return "tp_btf";
	case Mechanism::Tracepoint:
		return "tracepoint";
	}
	return "?";
}

const char *attach_mode_name(AttachMode m)
{
	switch (m) {
	case AttachMode::Auto:
		return "auto";
	case AttachMode::Fentry:
		return "fentry";
	case AttachMode::Kprobe:
		return "kprobe";
	case AttachMode::TpBtf:
		return "tp_btf";
	case AttachMode::Tracepoint:
		return "tracepoint";
	}
	return "?";
}

const std::array<ProbePoint, SKBSTAT_POINT_COUNT> &probe_points()
{
	return all_points;
}

FactsWanted facts_wanted()
{
	FactsWanted wanted;
	for (const ProbePoint &p : all_points) {
		if (p.event)
			wanted.tracepoints.emplace_back(p.event);
		if (p.function)
			wanted.functions.emplace_back(p.function);
	}
	return wanted;
}

Probes::Probes(const ProbeSettings &settings, const KernelFacts &kernel)
	: objects_(std::make_unique<Objects>())
{
	for (const ProbePoint &p : all_points)
		if (wanted(p, settings))
			statuses_.push_back({&p, std::nullopt, {}});
	attach_tracepoints(settings, kernel);
	attach_functions(settings, kernel);

	if (settings.mode != AttachMode::Auto) {
		// Why the forced mechanism failed, from a point it applies to.
		const bool functions = settings.mode == AttachMode::Fentry ||
				       settings.mode == AttachMode::Kprobe;
		bool any = false;
		std::string why;
		for (const PointStatus &s : statuses_) {
			any |= s.attached.has_value();
			if (why.empty() && !s.attached && (s.point->function != nullptr) == functions)
				why = s.why_not;
		}
		if (!any && !statuses_.empty())
			throw RuntimeError(fmt::format(
				"--attach {}: no probe point could be attached this way ({})",
				attach_mode_name(settings.mode), why));
	}
}

Probes::~Probes() = default;

namespace {

// Opens a fresh `slot` and loads only the programs named. 0 or a negative
// errno; libbpf's messages about a failure stay available.
template <typename Skel>
int load_only(std::unique_ptr<Owned<Skel>> &slot, bpf::SkeletonOps<Skel> ops,
	      const char *object_name, const std::vector<std::string> &programs,
	      const nt_filter &filter)
{
	slot = std::make_unique<Owned<Skel>>(ops, object_name);
	bpf_object *obj = (*slot)->obj;
	bpf_program *prog;
	bpf_object__for_each_program(prog, obj) bpf_program__set_autoload(prog, false);
	for (const std::string &name : programs)
		bpf_program__set_autoload(find_program(obj, name), true);
	(*slot)->rodata->nettrace_filter = filter;
	return slot->try_load();
}

} // namespace

void Probes::attach_tracepoints(const ProbeSettings &settings, const KernelFacts &kernel)
{
	const AttachMode mode = settings.mode;
	const bool points_wanted = mode == AttachMode::Auto || mode == AttachMode::TpBtf ||
				   mode == AttachMode::Tracepoint;
	std::vector<PointStatus *> points;
	for (PointStatus &s : statuses_) {
		if (!s.point->event)
			continue;
		if (!points_wanted) {
			add_reason(s.why_not, fmt::format("not a function (--attach {})",
							  attach_mode_name(mode)));
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
	// --attach fentry or kprobe leaves them to the tracepoint mechanisms.
	std::vector<Mechanism> order = {Mechanism::TpBtf, Mechanism::Tracepoint};
	if (mode == AttachMode::TpBtf)
		order = {Mechanism::TpBtf};
	else if (mode == AttachMode::Tracepoint)
		order = {Mechanism::Tracepoint};
	std::string failures;
	for (Mechanism m : order) {
		const std::string why = attach_tracepoints_by(m, points, settings, kernel);
		if (why.empty())
			return;
		for (PointStatus *s : points)
			add_reason(s->why_not, why);
		add_reason(failures, why);
	}
	if (settings.drop || settings.consume)
		throw RuntimeError(fmt::format(
			"cannot attach {}: {}",
			!settings.consume ? "skb:kfree_skb"
			: !settings.drop  ? "skb:consume_skb"
					  : "skb:kfree_skb and skb:consume_skb",
			failures));
}

// Tracepoint points, drops and consumes, all by `m` from one object, which
// then holds the stacks. Empty, or why `m` could not be used: then
// nothing of it stays loaded or attached.
std::string Probes::attach_tracepoints_by(Mechanism m, std::vector<PointStatus *> &points,
					  const ProbeSettings &settings,
					  const KernelFacts &kernel)
{
	const bool btf = m == Mechanism::TpBtf;
	const std::string prefix = btf ? "tp_" : "tracepoint_";
	// kfree_skb passes the reason from 5.17 on; the classic program asks
	// CO-RE, the tp_btf ones are picked here.
	const bool reasons = kernel.kfree_skb_has_reason();
	std::vector<std::string> programs;
	for (const PointStatus *s : points)
		programs.push_back(prefix + s->point->event);
	std::string drop, consume;
	if (settings.drop)
		programs.push_back(drop = !btf     ? "tracepoint_kfree_skb"
					  : reasons ? "drop_with_reason"
						    : "drop_without_reason");
	if (settings.consume)
		programs.push_back(consume = btf ? "consume" : "tracepoint_consume_skb");

	Objects &o = *objects_;
	const int err = btf ? load_only(o.tp, NETTRACE_SKELETON_OPS(skbstat_tp_bpf), "skbstat_tp",
					programs, settings.filter)
			    : load_only(o.tracepoint, NETTRACE_SKELETON_OPS(skbstat_tracepoint_bpf),
					"skbstat_tracepoint", programs, settings.filter);
	const auto give_up = [&](std::size_t links_before, std::string why) {
		o.detach_from(links_before);
		o.tp.reset();
		o.tracepoint.reset();
		return why;
	};
	if (err)
		return give_up(o.links.size(), load_error(m, -err));
	bpf_object *obj = btf ? (*o.tp)->obj : (*o.tracepoint)->obj;
	const std::size_t links_before = o.links.size();
	for (const auto &[program, event] : {std::pair{&drop, "skb:kfree_skb"},
					      std::pair{&consume, "skb:consume_skb"}}) {
		if (program->empty())
			continue;
		if (int e = o.attach(find_program(obj, *program)))
			return give_up(links_before, fmt::format("{}: {}: {}", mechanism_name(m),
								 event, std::strerror(-e)));
	}
	for (PointStatus *s : points) {
		if (int e = o.attach(find_program(obj, prefix + s->point->event)))
			add_reason(s->why_not, attach_error(m, e));
		else
			s->attached = m;
	}
	const char *args = reasons ? " (skb, location, reason)" : " (skb, location)";
	if (!drop.empty()) {
		drop_reasons_ = reasons;
		drop_probe_ = fmt::format("{}{}", btf ? "tp_btf/kfree_skb" : "tracepoint/skb/kfree_skb",
					  args);
	}
	if (!consume.empty())
		consume_probe_ = btf ? "tp_btf/consume_skb" : "tracepoint/skb/consume_skb";
	if (settings.drop || settings.consume)
		stacks_mechanism_ = m;
	return {};
}

namespace {

// Loads a function-probe object with a program per point in `todo`,
// leaving out programs the kernel rejects one by one. Returns the error
// that made the whole mechanism unusable, or 0.
template <typename Skel>
int load_function_object(Owned<Skel> &skel, const std::string &prefix,
			 std::vector<PointStatus *> &todo, Mechanism m,
			 const nt_filter &filter)
{
	bpf_object *obj = skel->obj;
	bpf_program *prog;
	bpf_object__for_each_program(prog, obj) bpf_program__set_autoload(prog, false);
	for (PointStatus *s : todo)
		bpf_program__set_autoload(find_program(obj, prefix + s->point->function), true);
	skel->rodata->nettrace_filter = filter;
	const int err = -skel.try_load();
	if (err == 0)
		return 0;
	const std::string failed = failed_program_name();
	if (mechanism_wide(err) || failed.empty())
		return err;
	// One function the kernel will not let us probe: leave it out.
	for (auto it = todo.begin(); it != todo.end(); ++it) {
		if (prefix + (*it)->point->function == failed) {
			add_reason((*it)->why_not,
				   fmt::format("{}: the kernel rejected the program ({})",
					       mechanism_name(m), std::strerror(err)));
			todo.erase(it);
			return -1; // retry with a fresh object
		}
	}
	return err;
}


// Loads an object with one program per point in `todo` (leaving out, one
// at a time, programs the kernel rejects), attaches each, and keeps the
// object in `slot` only if something attached.
template <typename Skel>
void attach_by(std::unique_ptr<Owned<Skel>> &slot, bpf::SkeletonOps<Skel> ops,
	       const char *object_name, Mechanism m, std::vector<PointStatus *> todo,
	       const nt_filter &filter, Probes::Objects &objects)
{
	const std::string prefix = std::string(mechanism_name(m)) + "_";
	int err = -1;
	for (int attempt = 0; err == -1 && !todo.empty() && attempt < 8; ++attempt) {
		slot = std::make_unique<Owned<Skel>>(ops, object_name);
		err = load_function_object(*slot, prefix, todo, m, filter);
	}
	if (err != 0) {
		for (PointStatus *s : todo)
			add_reason(s->why_not, load_error(m, err));
		slot.reset();
		return;
	}
	bool any = false;
	for (PointStatus *s : todo) {
		bpf_program *p = find_program((*slot)->obj, prefix + s->point->function);
		if (int e = objects.attach(p)) {
			add_reason(s->why_not, attach_error(m, e));
		} else {
			s->attached = m;
			any = true;
		}
	}
	if (!any)
		slot.reset();
}

} // namespace

void Probes::attach_functions(const ProbeSettings &settings, const KernelFacts &kernel)
{
	std::vector<PointStatus *> pending;
	for (PointStatus &s : statuses_) {
		if (!s.point->function)
			continue;
		if (settings.mode == AttachMode::TpBtf || settings.mode == AttachMode::Tracepoint) {
			add_reason(s.why_not, fmt::format("not a tracepoint (--attach {})",
							  attach_mode_name(settings.mode)));
			continue;
		}
		pending.push_back(&s);
	}
	if (pending.empty())
		return;

	if (settings.mode == AttachMode::Auto || settings.mode == AttachMode::Fentry) {
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
			  "skbstat_fentry", Mechanism::Fentry, todo, settings.filter, *objects_);
	}
	if (settings.mode == AttachMode::Auto || settings.mode == AttachMode::Kprobe) {
		std::vector<PointStatus *> todo;
		for (PointStatus *s : pending)
			if (!s->attached)
				todo.push_back(s);
		attach_by(objects_->kprobe, NETTRACE_SKELETON_OPS(skbstat_kprobe_bpf),
			  "skbstat_kprobe", Mechanism::Kprobe, todo, settings.filter, *objects_);
	}
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
