// SPDX-License-Identifier: MIT
// --points: packets counted at probe points of the receive and transmit
// paths (the points skbstat counts at), per namespace and device. Each
// tracepoint point attaches by tp_btf, else by the classic tracepoint;
// each function point by fentry, else by kprobe; each tried for real. A
// point that attaches by no mechanism is left out and says why.
#pragma once

#include "exporter_points.h"

#include <nettrace/common/bpf/attach.hpp>
#include <nettrace/common/bpf/probe_points.hpp>
#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/filter_spec.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nettrace::exporter {

struct PointStatus {
	const bpf::ProbePoint *point = nullptr;
	std::optional<bpf::AttachKind> attached;
	std::string why_not; // each mechanism tried and why it failed
};

struct PointCount {
	exporter_point_key key;
	std::uint64_t packets = 0;
};

class PointProbes {
public:
	// Attaches what it can of `points`, counting into one map of
	// `max_series` rows. Never throws for a point that does not attach.
	PointProbes(const std::vector<const bpf::ProbePoint *> &points, const nt_filter &filter,
		    std::uint32_t max_series, const KernelFacts &kernel);
	~PointProbes();
	PointProbes(const PointProbes &) = delete;
	PointProbes &operator=(const PointProbes &) = delete;

	// The points asked for, in display order, with what attached each.
	const std::vector<PointStatus> &statuses() const { return statuses_; }
	// Every row of the map now, its CPUs' values summed; the buffer is
	// reused between calls.
	const std::vector<PointCount> &read();
	// What read() last gave, less what remove() deleted since.
	const std::vector<PointCount> &rows() const { return rows_; }
	// Deletes the rows of the namespaces `netns` from the map and from
	// what read() last gave; returns how many were deleted.
	std::uint64_t remove(const std::vector<std::uint32_t> &netns);
	// Packets that found the map full.
	std::uint64_t series_dropped() const;

	struct Objects;

private:
	std::unique_ptr<Objects> objects_;
	std::vector<PointStatus> statuses_;
	std::vector<__u64> per_cpu_;
	std::vector<PointCount> rows_;
};

} // namespace nettrace::exporter
