// SPDX-License-Identifier: MIT
#include "tcpdrop_tracer.hpp"

#include "tcpdrop.h"
#include "tcpdrop.skel.h"
#include "tcpdrop_tp.skel.h"

#include <nettrace/common/bpf/skeleton.hpp>

#include <fmt/format.h>

#include <optional>

namespace nettrace::tcpdrop {

// One of the two objects: tp_btf programs (tcpdrop.bpf.c) or the classic
// tracepoint (tcpdrop_tp.bpf.c). Both hold the same maps and globals.
struct Tracer::Loaded {
	std::optional<bpf::Skeleton<tcpdrop_bpf>> tp_btf;
	std::optional<bpf::Skeleton<tcpdrop_tp_bpf>> tracepoint;
	int ring_fd = -1;
	const volatile __u64 *lost = nullptr;
	const volatile __u64 *frees_hidden = nullptr;
};

namespace {

struct Variant {
	const char *label;
	int tp_btf_args; // arguments the program reads; 0 for the classic tracepoint
	bpf_program *(*program)(tcpdrop_bpf *); // for tp_btf variants
};

// In order of preference: the richest argument list first.
const Variant variants[] = {
	{"tp_btf/kfree_skb (skb, location, reason, rx_sk)", 4,
	 [](tcpdrop_bpf *s) { return s->progs.kfree_skb_rx_sk; }},
	{"tp_btf/kfree_skb (skb, location, reason)", 3,
	 [](tcpdrop_bpf *s) { return s->progs.kfree_skb_reason; }},
	{"tp_btf/kfree_skb (skb, location)", 2,
	 [](tcpdrop_bpf *s) { return s->progs.kfree_skb_plain; }},
	{"tracepoint/skb/kfree_skb", 0, nullptr},
};

// Sets what both objects share, loads and attaches, and notes where the
// ring and the loss counter are.
template <typename Skel>
void load_and_attach(bpf::Skeleton<Skel> &skel, const TracerSettings &settings,
		     Tracer::Loaded &loaded, bool reads_rx_sk)
{
	// A variant that does not read rx_sk leaves time_wait to the drop
	// site, also on a kernel that passes it.
	nt_free_kind_facts free_kinds = settings.free_kinds;
	free_kinds.rx_sk_named = free_kinds.rx_sk_named && reads_rx_sk;
	skel->rodata->nettrace_filter = settings.filter;
	skel->rodata->collect_stack = settings.stacks;
	skel->rodata->capture_snaplen = settings.snaplen;
	skel->rodata->reason_filter_mode = settings.reason_mode;
	skel->rodata->show_all_frees = settings.show_all_frees;
	skel->rodata->nt_free_kind_facts = free_kinds;
	skel.load();
	const __u8 listed = 1;
	for (std::uint32_t code : settings.reason_codes)
		if (bpf_map__update_elem(skel->maps.reason_filter, &code, sizeof(code), &listed,
					 sizeof(listed), BPF_ANY))
			throw RuntimeError(fmt::format("cannot store reason filter: {}",
						       std::strerror(errno)));
	skel.attach();
	loaded.ring_fd = bpf_map__fd(skel->maps.events);
	loaded.lost = &skel->bss->nettrace_lost_events;
	loaded.frees_hidden = &skel->bss->tcpdrop_frees_hidden;
}

std::unique_ptr<Tracer::Loaded> load_variant(const Variant &v, const TracerSettings &settings)
{
	auto loaded = std::make_unique<Tracer::Loaded>();
	if (v.tp_btf_args == 0) {
		auto &skel = loaded->tracepoint.emplace(NETTRACE_SKELETON_OPS(tcpdrop_tp_bpf),
							"tcpdrop_tp", bpf::AttachKind::Tracepoint);
		// The classic tracepoint reads rx_sk where the record has it.
		load_and_attach(skel, settings, *loaded, true);
		return loaded;
	}
	auto &skel = loaded->tp_btf.emplace(NETTRACE_SKELETON_OPS(tcpdrop_bpf), "tcpdrop",
					    bpf::AttachKind::TpBtf);
	for (const Variant &other : variants)
		if (other.program)
			bpf_program__set_autoload(other.program(skel.get()), &other == &v);
	load_and_attach(skel, settings, *loaded, v.tp_btf_args >= 4);
	return loaded;
}

bool allowed(const Variant &v, Attach attach)
{
	return attach == Attach::Auto || (attach == Attach::TpBtf) == (v.tp_btf_args != 0);
}

} // namespace

Tracer::Tracer(const TracerSettings &settings)
{
	// A tp_btf program may read no more arguments than the kernel passes.
	const std::optional<KfreeSkbLayout> &layout = settings.kfree_skb;
	std::string first_error;
	for (const Variant &v : variants) {
		if (!allowed(v, settings.attach))
			continue;
		if (v.tp_btf_args && (!layout || layout->arg_count() < v.tp_btf_args)) {
			skipped_.push_back(fmt::format(
				"{}: this kernel's kfree_skb passes {}", v.label,
				layout ? fmt::format("{} arguments", layout->arg_count())
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
	if (first_error.empty() && !skipped_.empty())
		first_error = skipped_.front();
	throw RuntimeError(first_error.empty() ? "no way to trace skb:kfree_skb on this kernel"
					       : first_error);
}

Tracer::~Tracer() = default;

int Tracer::ring_buffer_fd() const
{
	return loaded_->ring_fd;
}

const volatile __u64 *Tracer::lost_events() const
{
	return loaded_->lost;
}

const volatile __u64 *Tracer::frees_hidden() const
{
	return loaded_->frees_hidden;
}

} // namespace nettrace::tcpdrop
