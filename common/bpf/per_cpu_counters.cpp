// SPDX-License-Identifier: MIT
#include <nettrace/common/bpf/per_cpu_counters.hpp>

#include <bpf/libbpf.h>

#include <algorithm>

namespace nettrace::bpf {

std::vector<KeyCount> read_per_cpu_counters(const bpf_map *map)
{
	std::vector<__u64> per_cpu(static_cast<std::size_t>(libbpf_num_possible_cpus()));
	std::vector<KeyCount> counts;
	__u32 key = 0, next = 0;
	for (const __u32 *prev = nullptr;
	     bpf_map__get_next_key(map, prev, &next, sizeof(next)) == 0; prev = &key) {
		key = next;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), per_cpu.data(),
					 per_cpu.size() * sizeof(__u64), 0) != 0)
			continue; // not there any more
		KeyCount &c = counts.emplace_back(KeyCount{key, 0});
		for (__u64 n : per_cpu)
			c.count += n;
	}
	std::ranges::sort(counts, {}, &KeyCount::key);
	return counts;
}

} // namespace nettrace::bpf
