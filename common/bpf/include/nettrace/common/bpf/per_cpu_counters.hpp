// SPDX-License-Identifier: MIT
// Counters a BPF program keeps per CPU (BPF_MAP_TYPE_PERCPU_HASH, __u32
// keys, __u64 values), read from user space as one total per key.
#pragma once

#include <cstdint>
#include <vector>

struct bpf_map;

namespace nettrace::bpf {

struct KeyCount {
	std::uint32_t key;
	std::uint64_t count;
};

// Every key in `map` with its CPUs' counts summed, in key order. A key
// deleted while the map is walked is left out.
std::vector<KeyCount> read_per_cpu_counters(const bpf_map *map);

} // namespace nettrace::bpf
