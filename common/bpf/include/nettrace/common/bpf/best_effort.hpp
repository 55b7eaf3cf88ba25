// SPDX-License-Identifier: MIT
// Loading a skeleton whose programs are each optional: the programs the
// kernel refuses are left out, and each program's fate is told.
#pragma once

#include <nettrace/common/bpf/attach.hpp>
#include <nettrace/common/bpf/skeleton.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nettrace::bpf {

struct ProgramOutcome {
	std::string program;
	std::optional<AttachFailure> refused; // nothing when it loaded
};

// Opens a fresh object with only `programs` set to load, and loads it;
// nothing when it loaded (the object is then kept), else why not.
using LoadAttempt =
	std::function<std::optional<AttachFailure>(const std::vector<std::string> &programs)>;

// Loads `wanted` together through `attempt`; when the kernel refuses and
// the error is not one that refuses every program, tries each program
// alone to find those refused, then loads the rest together. The last
// attempt is the one kept. One outcome per wanted program, in order.
std::vector<ProgramOutcome> load_best_effort(const std::vector<std::string> &wanted,
					     const LoadAttempt &attempt);

// Sets `obj` to load exactly `programs`; false, when one is not in it.
bool load_only(bpf_object *obj, const std::vector<std::string> &programs);

template <typename Skel>
struct LoadedSkeleton {
	std::unique_ptr<Skeleton<Skel>> skeleton; // nothing when nothing loaded
	std::vector<ProgramOutcome> programs;     // for load_best_effort
	std::optional<AttachFailure> failure;     // for load_exactly
};

// An attempt at `object` (`ops`) that keeps what loaded in `out`;
// `configure` sets the object's read-only data before it is loaded.
template <typename Skel>
LoadAttempt skeleton_attempt(SkeletonOps<Skel> ops, const std::string &object,
			     std::function<void(Skel *)> configure,
			     std::unique_ptr<Skeleton<Skel>> &out)
{
	return [ops, object, configure = std::move(configure),
		&out](const std::vector<std::string> &programs) -> std::optional<AttachFailure> {
		out.reset();
		try {
			out = std::make_unique<Skeleton<Skel>>(ops, object);
		} catch (const std::exception &e) {
			// Opening failed for every program: the message says why.
			return AttachFailure{AttachFailure::Stage::Open, 0, e.what(), {}};
		}
		if (!load_only((*out)->obj, programs)) {
			out.reset();
			return AttachFailure{AttachFailure::Stage::Open,
					     ENOENT,
					     "a program asked for is not in " + object,
					     {}};
		}
		if (configure)
			configure(out->get());
		if (const int err = out->try_load()) {
			AttachFailure failure{
				AttachFailure::Stage::Load, -err, libbpf_log_tail(1), {}};
			out.reset();
			return failure;
		}
		return std::nullopt;
	};
}

// Loads `object` with the programs in `wanted`, leaving out those the
// kernel refuses.
template <typename Skel>
LoadedSkeleton<Skel> load_best_effort(SkeletonOps<Skel> ops, const std::string &object,
				      const std::vector<std::string> &wanted,
				      std::function<void(Skel *)> configure = {})
{
	LoadedSkeleton<Skel> loaded;
	loaded.programs = load_best_effort(
		wanted, skeleton_attempt(ops, object, std::move(configure), loaded.skeleton));
	return loaded;
}

// Loads `object` with exactly the programs in `wanted`, all or none.
template <typename Skel>
LoadedSkeleton<Skel> load_exactly(SkeletonOps<Skel> ops, const std::string &object,
				  const std::vector<std::string> &wanted,
				  std::function<void(Skel *)> configure = {})
{
	LoadedSkeleton<Skel> loaded;
	loaded.failure =
		skeleton_attempt(ops, object, std::move(configure), loaded.skeleton)(wanted);
	return loaded;
}

} // namespace nettrace::bpf
