// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* One program per attach type, each doing nothing: doctor loads and
 * attaches one at a time to learn what this kernel allows. They use no
 * maps and read nothing, so only the attach type itself can fail.
 * ip_rcv is in every kernel and never inlined; skb:kfree_skb is the
 * tracepoint every drop goes through. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tracepoint/skb/kfree_skb")
int by_tracepoint(void *ctx)
{
	return 0;
}

SEC("raw_tp/kfree_skb")
int by_raw_tp(void *ctx)
{
	return 0;
}

SEC("tp_btf/kfree_skb")
int by_tp_btf(void *ctx)
{
	return 0;
}

SEC("kprobe/ip_rcv")
int by_kprobe(void *ctx)
{
	return 0;
}

SEC("kprobe.multi/ip_rcv")
int by_kprobe_multi(void *ctx)
{
	return 0;
}

SEC("fentry/ip_rcv")
int by_fentry(void *ctx)
{
	return 0;
}
