/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Counting in BPF hash maps whose rows are made as events come: one __u64
 * counter per key, and a counter of the events that found the map full, so
 * that totals stay exact.
 *
 * Include after vmlinux.h and bpf_helpers.h. Defines no globals: any header
 * may include it.
 */
#ifndef NETTRACE_MAPS_BPF_H
#define NETTRACE_MAPS_BPF_H

/*
 * Adds one to `key`'s counter in `map`, a hash map every CPU writes
 * (BPF_MAP_TYPE_HASH), making the row if it is new; counts the event in
 * *full when there is no room for it. The adds are atomic but never fetch
 * (5.10's verifier refuses the fetching forms).
 */
static __always_inline void nt_count(void *map, const void *key, __u64 *full)
{
	__u64 one = 1, *count;

	count = bpf_map_lookup_elem(map, key);
	if (count) {
		__sync_fetch_and_add(count, 1);
		return;
	}
	if (bpf_map_update_elem(map, key, &one, BPF_NOEXIST) == 0)
		return;
	/* Another CPU may have made the row meanwhile. */
	count = bpf_map_lookup_elem(map, key);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		__sync_fetch_and_add(full, 1);
}

/*
 * The same for a BPF_MAP_TYPE_PERCPU_HASH: the row found is this CPU's own
 * slot, which no other CPU writes, so it is added to without an atomic.
 * *full is shared by all CPUs and is added to atomically.
 */
static __always_inline void nt_count_percpu(void *map, const void *key, __u64 *full)
{
	__u64 one = 1, *count;

	count = bpf_map_lookup_elem(map, key);
	if (count) {
		*count += 1;
		return;
	}
	if (bpf_map_update_elem(map, key, &one, BPF_NOEXIST) == 0)
		return;
	/* Another CPU may have made the row meanwhile. */
	count = bpf_map_lookup_elem(map, key);
	if (count)
		*count += 1;
	else
		__sync_fetch_and_add(full, 1);
}

#endif /* NETTRACE_MAPS_BPF_H */
