// SPDX-License-Identifier: MIT
#include "skbtrace_copies.hpp"

#include "skbtrace_copies.skel.h"
#include "skbtrace_shared_maps.hpp"

#include <nettrace/common/bpf/best_effort.hpp>
#include <nettrace/common/bpf/skeleton.hpp>

#include <bpf/libbpf.h>
#include <fmt/format.h>

#include <cerrno>

namespace nettrace::skbtrace {

using bpf::AttachFailure;
using bpf::AttachKind;

struct CopyFollowing::Loaded {
	std::unique_ptr<bpf::Skeleton<skbtrace_copies_bpf>> skeleton;
	std::vector<bpf_link *> links;

	~Loaded()
	{
		for (bpf_link *link : links)
			bpf_link__destroy(link);
	}
};

namespace {

std::string fexit_program(const char *function)
{
	return fmt::format("fexit_{}", function);
}

} // namespace

CopyFollowing::CopyFollowing(skbtrace_bpf *main, const TracerSettings &settings,
			     AttachKind functions_by)
    : loaded_(std::make_unique<Loaded>()),
      // fentry is chosen only where kprobes are not (or not wanted);
      // copies then go the same way.
      mechanism_(functions_by == AttachKind::Fentry ? AttachKind::Fentry : AttachKind::Kprobe)
{
	const bool fexit = mechanism_ == AttachKind::Fentry;
	std::vector<std::string> programs;
	if (fexit)
		for (const char *f : copy_functions)
			programs.push_back(fexit_program(f));
	else
		programs = {"kprobe_copy", "kretprobe_copy"};
	auto loaded = bpf::load_exactly<skbtrace_copies_bpf>(
		NETTRACE_SKELETON_OPS(skbtrace_copies_bpf), "skbtrace_copies", programs,
		[&](skbtrace_copies_bpf *skel) { share_main_maps(skel, main, settings); });
	if (loaded.failure) {
		why_not_ = bpf::failure_text(mechanism_, *loaded.failure, nullptr);
		return;
	}
	loaded_->skeleton = std::move(loaded.skeleton);
	skbtrace_copies_bpf *skel = loaded_->skeleton->get();
	// While the tracepoints alone tell packets apart (no free function
	// attached), the copies' objects must do as the others do.
	skel->data->skbtrace_head_is_identity = main->data->skbtrace_head_is_identity;
	for (const char *function : copy_functions) {
		std::vector<bpf_link *> made;
		if (fexit) {
			made.push_back(bpf_program__attach_trace(bpf_object__find_program_by_name(
				skel->obj, fexit_program(function).c_str())));
		} else {
			// Return first: an entry without its return would leave
			// its key in `copying`.
			made.push_back(bpf_program__attach_kprobe(skel->progs.kretprobe_copy, true,
								  function));
			if (made.back())
				made.push_back(bpf_program__attach_kprobe(skel->progs.kprobe_copy,
									  false, function));
		}
		if (!made.back()) {
			const int err = errno;
			if (why_not_.empty())
				why_not_ = fmt::format(
					"{}: {}", function,
					bpf::failure_text(
						mechanism_,
						{AttachFailure::Stage::Attach, err, {}, {}},
						function));
			for (bpf_link *link : made)
				bpf_link__destroy(link);
			continue;
		}
		loaded_->links.insert(loaded_->links.end(), made.begin(), made.end());
		functions_.push_back(function);
	}
}

CopyFollowing::~CopyFollowing() = default;

const volatile __u64 *CopyFollowing::lost_events() const
{
	return loaded_->skeleton ? &(*loaded_->skeleton)->bss->nettrace_lost_events : nullptr;
}

std::uint64_t CopyFollowing::packets_overflow() const
{
	return loaded_->skeleton ? (*loaded_->skeleton)->bss->skbtrace_counters.packets_overflow
				 : 0;
}

} // namespace nettrace::skbtrace
