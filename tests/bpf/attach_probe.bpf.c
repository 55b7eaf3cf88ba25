// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* One tiny program per attach mechanism on the same kernel function, so a
 * test can learn what the kernel allows without going through nettrace. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

__u64 hits = 0;

SEC("fentry/ip_rcv")
int BPF_PROG(by_fentry)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("kprobe/ip_rcv")
int BPF_KPROBE(by_kprobe)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("kprobe.multi/ip_rcv")
int BPF_KPROBE(by_kprobe_multi)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}
