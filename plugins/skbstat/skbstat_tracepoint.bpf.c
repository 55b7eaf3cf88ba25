// SPDX-License-Identifier: GPL-2.0
/* skbstat's tracepoints through the classic (perf event) tracepoints,
 * for --attach tracepoint and for kernels where the tp_btf object does
 * not attach: the same points, drops and consumes as skbstat_tp.bpf.c.
 * Each program gets the event's record; the sk_buff or socket pointer in
 * it is read through CO-RE, not trusted as a BTF pointer. */
#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include <nettrace/kfree_skb_record.bpf.h>

#include "skbstat_count.bpf.h"
#include "skbstat_stacks.bpf.h"

NT_TRACEPOINT_POINT_PROGRAMS

/* One program serves every kernel (nettrace/kfree_skb_record.bpf.h). */
SEC("tracepoint/skb/kfree_skb")
int tracepoint_kfree_skb(struct trace_event_raw_kfree_skb *args)
{
	struct nt_kfree_skb_record r = nt_read_kfree_skb_record(args);

	return count_drop(args, r.skb, r.rx_sk, r.reason, r.has_reason, r.location);
}

SEC("tracepoint/skb/consume_skb")
int tracepoint_consume_skb(struct trace_event_raw_consume_skb *args)
{
	return count_consume(args, BPF_CORE_READ(args, skbaddr));
}

char LICENSE[] SEC("license") = "GPL";
