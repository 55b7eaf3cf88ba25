// SPDX-License-Identifier: MIT
// What Probes holds while attached, and the words for what did not
// attach: shared by the tracepoint and the function halves of Probes.
#pragma once

#include "skbstat_probes.hpp"

#include "skbstat_fentry.skel.h"
#include "skbstat_kprobe.skel.h"
#include "skbstat_tp.skel.h"
#include "skbstat_tracepoint.skel.h"

#include <nettrace/common/bpf/attach.hpp>
#include <nettrace/common/bpf/skeleton.hpp>

#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nettrace::skbstat {

template <typename Skel>
using Owned = bpf::Skeleton<Skel>;

struct Probes::Objects {
	std::unique_ptr<Owned<skbstat_tp_bpf>> tp;
	std::unique_ptr<Owned<skbstat_tracepoint_bpf>> tracepoint;
	std::unique_ptr<Owned<skbstat_fentry_bpf>> fentry;
	std::unique_ptr<Owned<skbstat_kprobe_bpf>> kprobe;
	std::vector<bpf_link *> links;

	~Objects() { detach_from(0); }
	// Attaches `name` of `obj`; nothing, or why it failed.
	std::optional<bpf::AttachFailure> attach(bpf_object *obj, const std::string &name)
	{
		bpf_link *link =
			bpf_program__attach(bpf_object__find_program_by_name(obj, name.c_str()));
		if (!link)
			return bpf::AttachFailure{bpf::AttachFailure::Stage::Attach, errno, {}, {}};
		links.push_back(link);
		return std::nullopt;
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

using bpf::failure_text;
// Appends `reason` to the reasons a point did not attach.
void add_reason(std::string &why, const std::string &reason);

} // namespace nettrace::skbstat
