// SPDX-License-Identifier: MIT
#include "attach_types.hpp"

#include "doctor.skel.h"

#include <nettrace/common/bpf/best_effort.hpp>

#include <fmt/format.h>

#include <array>

namespace nettrace::doctor {

namespace {

using bpf::AttachFailure;
using bpf::AttachKind;

struct AttachType {
	AttachKind kind;
	const char *program; // in doctor.bpf.c
	const char *target;  // what the program attaches to
};

const std::array<AttachType, 6> attach_types = {{
	{AttachKind::Tracepoint, "by_tracepoint", "skb:kfree_skb"},
	{AttachKind::RawTp, "by_raw_tp", "kfree_skb"},
	{AttachKind::TpBtf, "by_tp_btf", "kfree_skb"},
	{AttachKind::Kprobe, "by_kprobe", "ip_rcv"},
	{AttachKind::KprobeMulti, "by_kprobe_multi", "ip_rcv"},
	{AttachKind::Fentry, "by_fentry", "ip_rcv"},
}};

// Loads only `type`'s program and attaches it; nothing when both work.
// The link is destroyed at once: doctor leaves nothing attached.
std::optional<AttachFailure> try_attach(const AttachType &type)
{
	auto loaded =
		bpf::load_exactly(NETTRACE_SKELETON_OPS(doctor_bpf), "doctor", {type.program});
	if (loaded.failure)
		return loaded.failure;
	bpf::clear_libbpf_log();
	bpf_link *link = bpf_program__attach(
		bpf_object__find_program_by_name((*loaded.skeleton)->obj, type.program));
	// An error pointer, not NULL, from libbpf 0.x outside strict mode.
	if (const long err = libbpf_get_error(link))
		return AttachFailure{AttachFailure::Stage::Attach,
				     static_cast<int>(-err),
				     bpf::libbpf_log_tail(1),
				     {}};
	bpf_link__destroy(link);
	return std::nullopt;
}

} // namespace

std::vector<Finding> check_attach_types(const KernelConfig &config)
{
	std::vector<Finding> out;
	for (const AttachType &type : attach_types) {
		Finding f{bpf::name(type.kind),
			  Status::Ok,
			  fmt::format("attached to {}", type.target),
			  {},
			  {}};
		if (auto failure = try_attach(type)) {
			failure->target = type.target;
			const bpf::Cause cause = bpf::explain(type.kind, *failure, &config);
			f.status = Status::Missing;
			f.detail = fmt::format("{} failed", bpf::name(failure->stage));
			if (failure->err) {
				f.error = bpf::errno_name(failure->err);
				f.detail += fmt::format(": {} ({})", f.error,
							bpf::errno_text(failure->err));
			}
			if (!cause.why.empty())
				f.detail += ": " + cause.why;
			else if (!failure->libbpf_says.empty())
				f.detail += "; " + failure->libbpf_says;
			f.fix = cause.fix;
		}
		out.push_back(std::move(f));
	}
	return out;
}

} // namespace nettrace::doctor
