// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Counts the packets the kernel drops, per drop reason, in one network
 * namespace (--netns) or in all of them. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
/* The program is tp_btf: the shared helpers may read through its typed
 * pointers directly, which costs each drop less (nettrace/read.bpf.h). */
#define NT_BTF_POINTERS
#include <nettrace/filter.bpf.h>
#include <nettrace/maps.bpf.h>

#include "dropcount.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Per CPU, so that concurrent drops never contend on one counter. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, DROPCOUNT_MAX_REASONS);
	__type(key, __u32);   /* enum skb_drop_reason */
	__type(value, __u64); /* drops */
} drops_by_reason SEC(".maps");

/* Reasons that found the map full. */
__u64 reasons_not_counted = 0;

/* skb:kfree_skb passes the reason as its third argument from 5.17 on;
 * newer kernels add rx_sk after it, which this program does not read. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(count_drop, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	__u32 key = reason;

	if (nt_skb_in_netns(skb, skb->sk))
		nt_count_percpu(&drops_by_reason, &key, &reasons_not_counted);
	return 0;
}
