// SPDX-License-Identifier: GPL-2.0
/* skbtrace's tracepoints: one raw tracepoint program per tracepoint that
 * carries an sk_buff (skbtrace_tracepoints.h), and the packet's ends,
 * skb:kfree_skb (a drop, with reason and stack) and skb:consume_skb. These
 * attach on every kernel; the kernel functions are
 * skbtrace_functions.bpf.c's. This object makes the maps both share. */
#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include <nettrace/kfree_skb_record.bpf.h>

#include "skbtrace_follow.bpf.h"
#include "skbtrace_tracepoints.h"

/* Kernel stacks of drops: --no-stack leaves them out. */
const volatile bool skbtrace_stacks = true;

#define SKBTRACE_TRACEPOINT_PROGRAM(subsystem, event, arg, dev_arg)                              \
	SEC("raw_tp/" #event)                                                                    \
	int raw_tp_##event(struct bpf_raw_tracepoint_args *ctx)                                  \
	{                                                                                        \
		struct net_device *dev =                                                         \
			dev_arg >= 0 ? (struct net_device *)ctx->args[dev_arg & 7] : NULL;       \
		return skbtrace_seen((struct sk_buff *)ctx->args[arg], dev, SKBTRACE_TRACEPOINT, \
				     SKBTRACE_TP_##event);                                       \
	}
SKBTRACE_TRACEPOINTS(SKBTRACE_TRACEPOINT_PROGRAM)

/* A packet's end at a free tracepoint. A packet first seen here passes
 * the filter here, as at any other point: on a kernel where only
 * tracepoints attach, a packet a host sends and drops is seen nowhere
 * before. */
static __always_inline int skbtrace_end(void *ctx, struct sk_buff *skb, __u32 kind, __u64 location,
					__u32 reason, bool has_reason)
{
	__u64 key = (__u64)skb;
	struct skbtrace_followed *f;
	struct skbtrace_end_event *d;
	__u32 flags = has_reason ? SKBTRACE_HAS_REASON : 0;
	__u64 now;

	if (!skb)
		return 0;
	f = skbtrace_find(skb, true, &flags);
	if (!f)
		return 0;
	d = NT_RESERVE_EVENT(events, struct skbtrace_end_event);
	if (d) {
		now = bpf_ktime_get_ns();
		skbtrace_fill(&d->e, skb, NULL, f->id, kind, 0, flags, now);
		d->e.location = location;
		d->e.reason = reason;
		if (kind == SKBTRACE_DROP && skbtrace_stacks)
			d->e.stack_bytes = bpf_get_stack(ctx, d->stack, sizeof(d->stack), 0);
		d->capture.caplen = 0;
		if (skbtrace_snaplen)
			skbtrace_capture(&d->capture, d->bytes, skb, &d->e.packet);
		NT_SUBMIT_EVENT(events, d, now);
	}
	bpf_map_delete_elem(&followed, &key);
	return 0;
}

SEC("tracepoint/skb/kfree_skb")
int tracepoint_kfree_skb(struct trace_event_raw_kfree_skb *args)
{
	struct nt_kfree_skb_record r = nt_read_kfree_skb_record(args);

	return skbtrace_end(args, r.skb, SKBTRACE_DROP, r.location, r.reason, r.has_reason);
}

SEC("tracepoint/skb/consume_skb")
int tracepoint_consume_skb(struct trace_event_raw_consume_skb *args)
{
	struct sk_buff *skb = (void *)BPF_CORE_READ(args, skbaddr);
	__u64 location = 0;

	/* The record names the caller from 6.3 on. */
	if (bpf_core_field_exists(args->location))
		location = (__u64)BPF_CORE_READ(args, location);
	return skbtrace_end(args, skb, SKBTRACE_CONSUME, location, 0, false);
}

char LICENSE[] SEC("license") = "GPL";
