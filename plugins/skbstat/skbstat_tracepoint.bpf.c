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

/* The record each tracepoint point passes (include/trace/events/). A new
 * TP entry in SKBSTAT_POINTS needs its record named here. */
#define TP_RECORD_netif_rx trace_event_raw_net_dev_template
#define TP_RECORD_napi_gro_receive_entry trace_event_raw_net_dev_rx_verbose_template
#define TP_RECORD_netif_receive_skb trace_event_raw_net_dev_template
#define TP_RECORD_sock_recv_length trace_event_raw_sock_msg_length
#define TP_RECORD_sock_send_length trace_event_raw_sock_msg_length
#define TP_RECORD_net_dev_queue trace_event_raw_net_dev_template
#define TP_RECORD_net_dev_start_xmit trace_event_raw_net_dev_start_xmit
#define TP_RECORD_net_dev_xmit trace_event_raw_net_dev_xmit

#define TRACEPOINT_SKB0(id, section, subsystem, event)                      \
	SEC("tracepoint/" #subsystem "/" #event)                            \
	int tracepoint_##event(struct TP_RECORD_##event *args)              \
	{                                                                   \
		struct sk_buff *skb = (void *)BPF_CORE_READ(args, skbaddr); \
		return skbstat_count_skb(SKBSTAT_##id, skb);                \
	}
/* The classic record of net:net_dev_xmit names the device but has no
 * pointer to it: the packet's own device is read instead, which a veth
 * has already moved to its peer's namespace (see skbstat(8)). */
#define TRACEPOINT_SENT_SKB0_DEV2 TRACEPOINT_SKB0
#define TRACEPOINT_SOCK0(id, section, subsystem, event)                                   \
	SEC("tracepoint/" #subsystem "/" #event)                                          \
	int tracepoint_##event(struct TP_RECORD_##event *args)                            \
	{                                                                                 \
		struct sock *sk = (void *)BPF_CORE_READ(args, sk);                        \
		return skbstat_count_sock(SKBSTAT_##id, sk, SKBSTAT_RECEIVING_##section); \
	}
#define TRACEPOINT_PROGRAM(id, section, subsystem, event, where) \
	TRACEPOINT_##where(id, section, subsystem, event)
#define NOT_A_TRACEPOINT(...)

SKBSTAT_POINTS(NOT_A_TRACEPOINT, TRACEPOINT_PROGRAM)

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
