#include "tcpdrop_tracer.hpp"

#include "tcpdrop.h"
#include "tcpdrop.skel.h"

#include <nettrace/common/bpf_loader.hpp>

#include <fmt/format.h>

#include <optional>

namespace nettrace::tcpdrop {

struct Tracer::Loaded {
	bpf::Skeleton<tcpdrop_bpf> skel{NETTRACE_SKELETON_OPS(tcpdrop_bpf), "tcpdrop"};
};

namespace {

struct Variant {
	const char *label;
	bpf_program *(*program)(tcpdrop_bpf *);
	int tp_btf_args; // arguments the program reads; 0 for the classic tracepoint
};

// In order of preference: the richest argument list first.
const Variant variants[] = {
	{"tp_btf/kfree_skb (skb, location, reason, rx_sk)",
	 [](tcpdrop_bpf *s) { return s->progs.kfree_skb_rx_sk; }, 4},
	{"tp_btf/kfree_skb (skb, location, reason)",
	 [](tcpdrop_bpf *s) { return s->progs.kfree_skb_reason; }, 3},
	{"tp_btf/kfree_skb (skb, location)",
	 [](tcpdrop_bpf *s) { return s->progs.kfree_skb_plain; }, 2},
	{"tracepoint/skb/kfree_skb", [](tcpdrop_bpf *s) { return s->progs.kfree_skb_tp; }, 0},
};

std::unique_ptr<Tracer::Loaded> load_variant(const Variant &v, const TracerSettings &settings)
{
	auto loaded = std::make_unique<Tracer::Loaded>();
	tcpdrop_bpf *skel = loaded->skel.get();
	for (const Variant &other : variants)
		bpf_program__set_autoload(other.program(skel), &other == &v);
	skel->rodata->nettrace_filter = settings.filter;
	skel->rodata->collect_stack = settings.stacks;
	skel->rodata->reason_filter_mode = settings.reason_mode;
	loaded->skel.load();
	const __u8 listed = 1;
	for (std::uint32_t code : settings.reason_codes)
		if (bpf_map__update_elem(skel->maps.reason_filter, &code, sizeof(code), &listed,
					 sizeof(listed), BPF_ANY))
			throw RuntimeError(fmt::format("cannot store reason filter: {}",
						       std::strerror(errno)));
	loaded->skel.attach();
	return loaded;
}

} // namespace

Tracer::Tracer(const TracerSettings &settings)
{
	// A tp_btf program may read no more arguments than the kernel passes.
	const std::optional<int> &args = settings.kfree_skb_args;
	std::string first_error;
	for (const Variant &v : variants) {
		if (v.tp_btf_args && (!args || *args < v.tp_btf_args)) {
			skipped_.push_back(fmt::format("{}: this kernel's kfree_skb passes {}",
						       v.label,
						       args ? fmt::format("{} arguments", *args)
							    : std::string("no BTF arguments")));
			continue;
		}
		try {
			loaded_ = load_variant(v, settings);
			variant_ = v.label;
			return;
		} catch (const RuntimeError &e) {
			if (first_error.empty())
				first_error = e.what();
			skipped_.push_back(fmt::format("{}: {}", v.label, e.what()));
		}
	}
	throw RuntimeError(first_error.empty() ? "no way to trace skb:kfree_skb on this kernel"
					       : first_error);
}

Tracer::~Tracer() = default;

int Tracer::ring_buffer_fd() const
{
	return bpf_map__fd(loaded_->skel->maps.events);
}

const volatile __u64 *Tracer::lost_events() const
{
	return &loaded_->skel->bss->nettrace_lost_events;
}

} // namespace nettrace::tcpdrop
