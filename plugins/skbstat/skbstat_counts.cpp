// SPDX-License-Identifier: MIT
#include "skbstat_counts.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

namespace nettrace::skbstat {

namespace {

// BPF tracing programs run inside RCU read-side sections, so once an RCU
// grace period has passed, none still holds the old generation number.
// MEMBARRIER_CMD_GLOBAL waits for exactly that.
void wait_for_running_programs()
{
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) != 0)
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void empty_stack_table(int fd)
{
	__u32 stack_id, next;
	std::vector<__u32> ids;
	for (__u32 *prev = nullptr; bpf_map_get_next_key(fd, prev, &next) == 0; prev = &stack_id) {
		ids.push_back(next);
		stack_id = next;
	}
	for (__u32 id : ids)
		bpf_map_delete_elem(fd, &id);
}

} // namespace

IntervalReader::IntervalReader(CounterMaps maps) : maps_(std::move(maps))
{
	const int cpus = libbpf_num_possible_cpus();
	per_cpu_.resize(cpus > 0 ? cpus : 1);
	zeros_.resize(per_cpu_.size());
}

IntervalCounts IntervalReader::collect()
{
	const unsigned old = generation_;
	generation_ ^= 1;
	for (auto &pc : maps_.point_counts)
		*pc.generation = generation_;
	wait_for_running_programs();

	IntervalCounts counts;
	for (auto &pc : maps_.point_counts) {
		for (__u32 point = 0; point < SKBSTAT_POINT_COUNT; ++point) {
			const __u32 key = old * SKBSTAT_POINT_COUNT + point;
			if (bpf_map_lookup_elem(pc.fd, &key, per_cpu_.data()) != 0)
				continue;
			__u64 sum = 0;
			for (__u64 v : per_cpu_)
				sum += v;
			if (sum) {
				counts.points[point] += sum;
				bpf_map_update_elem(pc.fd, &key, zeros_.data(), BPF_ANY);
			}
		}
	}
	read_rows(maps_.drop_rows[old], old, counts.drops);
	read_rows(maps_.consume_rows[old], old, counts.consumes);
	if (maps_.losses) {
		volatile skbstat_losses &loss = maps_.losses[old];
		counts.stacks_unrecorded = loss.stack_unrecorded;
		counts.rows_not_counted = loss.rows_full;
		loss.stack_unrecorded = 0;
		loss.rows_full = 0;
	}
	// Empty the stack tables as well, so they never fill over a long run.
	empty_stack_table(maps_.stacks[old]);
	empty_stack_table(maps_.overflow_stacks[old]);
	return counts;
}

void IntervalReader::read_rows(int rows_fd, unsigned old, std::vector<StackRow> &out)
{
	std::vector<skbstat_stack_key> keys;
	skbstat_stack_key key{}, next{};
	for (skbstat_stack_key *prev = nullptr; bpf_map_get_next_key(rows_fd, prev, &next) == 0;
	     prev = &key) {
		keys.push_back(next);
		key = next;
	}
	__u64 frames[SKBSTAT_STACK_DEPTH];
	for (const skbstat_stack_key &k : keys) {
		StackRow row;
		if (bpf_map_lookup_elem(rows_fd, &k, &row.count) != 0)
			continue;
		row.reason = k.reason;
		row.free_kind = static_cast<std::uint8_t>(k.free_kind);
		row.location = k.location;
		row.stack_recorded = k.stack_id >= 0;
		const bool overflow = k.stack_id & SKBSTAT_OVERFLOW_ID;
		const __u32 stack_id = k.stack_id & ~SKBSTAT_OVERFLOW_ID;
		const int stacks_fd = overflow ? maps_.overflow_stacks[old] : maps_.stacks[old];
		if (row.stack_recorded && bpf_map_lookup_elem(stacks_fd, &stack_id, frames) == 0)
			for (__u64 f : frames) {
				if (!f)
					break;
				row.frames.push_back(f);
			}
		out.push_back(std::move(row));
		bpf_map_delete_elem(rows_fd, &k);
	}
	std::stable_sort(out.begin(), out.end(),
			 [](const StackRow &a, const StackRow &b) { return a.count > b.count; });
}

} // namespace nettrace::skbstat
