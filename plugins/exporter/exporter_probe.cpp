// SPDX-License-Identifier: MIT
#include "exporter_probe.hpp"

#include "exporter.skel.h"
#include "exporter_classic.skel.h"

#include <nettrace/common/bpf/best_effort.hpp>
#include <nettrace/errors.hpp>

#include <fmt/format.h>

#include <optional>

namespace nettrace::exporter {

using bpf::AttachFailure;
using bpf::AttachKind;

struct DropProbe::Objects {
	std::unique_ptr<bpf::Skeleton<exporter_bpf>> btf;
	std::unique_ptr<bpf::Skeleton<exporter_classic_bpf>> classic;
	bpf_link *link = nullptr;

	~Objects() { bpf_link__destroy(link); }
};

namespace {

// Loads `program` of the object `Skel` alone and attaches it; nothing, or
// why not, and then nothing of it stays loaded.
template <typename Skel>
std::optional<AttachFailure> attach_one(std::unique_ptr<bpf::Skeleton<Skel>> &slot,
					bpf::SkeletonOps<Skel> ops, const char *object,
					const std::string &program, const ProbeSettings &settings,
					bpf_link *&link)
{
	auto loaded = bpf::load_exactly<Skel>(ops, object, {program}, [&](Skel *skel) {
		skel->rodata->nettrace_filter = settings.filter;
		skel->rodata->nt_free_kind_facts = settings.free_kinds;
		bpf_map__set_max_entries(skel->maps.drops, settings.max_series);
	});
	if (loaded.failure)
		return loaded.failure;
	link = bpf_program__attach(
		bpf_object__find_program_by_name((*loaded.skeleton)->obj, program.c_str()));
	if (!link) {
		const int err = errno;
		return AttachFailure{AttachFailure::Stage::Attach, err, {}, "kfree_skb"};
	}
	slot = std::move(loaded.skeleton);
	return std::nullopt;
}

} // namespace

DropProbe::DropProbe(const ProbeSettings &settings, const KernelFacts &kernel)
    : objects_(std::make_unique<Objects>()), capacity_(settings.max_series)
{
	// tp_btf and raw_tp are told the argument count; the classic
	// tracepoint asks CO-RE whether its record has the reason and rx_sk.
	reasons_ = kernel.kfree_skb_has_reason();
	const bool rx_sk = kernel.kfree_skb_has_rx_sk();
	const std::string suffix = rx_sk      ? "_with_rx_sk"
				   : reasons_ ? "_with_reason"
					      : "_without_reason";
	std::string failures;
	for (AttachKind kind : {AttachKind::TpBtf, AttachKind::RawTp, AttachKind::Tracepoint}) {
		std::optional<AttachFailure> failure;
		if (kind == AttachKind::TpBtf)
			failure =
				attach_one(objects_->btf, NETTRACE_SKELETON_OPS(exporter_bpf),
					   "exporter", "tp_btf" + suffix, settings, objects_->link);
		else
			failure = attach_one(objects_->classic,
					     NETTRACE_SKELETON_OPS(exporter_classic_bpf),
					     "exporter_classic",
					     kind == AttachKind::RawTp ? "raw_tp" + suffix
								       : "tracepoint_kfree_skb",
					     settings, objects_->link);
		if (!failure) {
			mechanism_ = kind;
			return;
		}
		failures += failures.empty() ? "" : "; ";
		failures += bpf::failure_text(kind, *failure, "kfree_skb");
	}
	throw RuntimeError("cannot attach skb:kfree_skb: " + failures);
}

DropProbe::~DropProbe() = default;

int DropProbe::map_fd() const
{
	return objects_->btf ? bpf_map__fd((*objects_->btf)->maps.drops)
			     : bpf_map__fd((*objects_->classic)->maps.drops);
}

std::uint64_t DropProbe::series_dropped() const
{
	const volatile __u64 *counter = objects_->btf ? &(*objects_->btf)->bss->series_dropped
						      : &(*objects_->classic)->bss->series_dropped;
	return *counter;
}

} // namespace nettrace::exporter
