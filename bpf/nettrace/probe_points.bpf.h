/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One BPF program per probe point of NT_PROBE_POINTS (probe_points.h), for
 * each way a point attaches: tp_btf and the classic tracepoint for TP
 * entries, fentry and kprobe for FN entries. What a program does with
 * the packet is the includer's, so that skbstat and the exporter count
 * differently from the same programs. Before including, define:
 *
 *   NT_POINT_COUNT_SKB(id, skb)            an sk_buff seen at point `id`
 *   NT_POINT_COUNT_SENT_SKB(id, skb, dev)  an sk_buff after device `dev`
 *                                          took it
 *   NT_POINT_COUNT_SOCK(id, sk, section)   only a socket; `section` is
 *                                          INGRESS or EGRESS
 *
 * `id` is the bare point name (NETIF_RX): NT_POINT_##id is its number.
 * Then write the programs of one object with one of
 * NT_TP_BTF_POINT_PROGRAMS, NT_TRACEPOINT_POINT_PROGRAMS,
 * NT_FENTRY_POINT_PROGRAMS or NT_KPROBE_POINT_PROGRAMS. The programs are
 * named tp_EVENT, tracepoint_EVENT, fentry_FUNCTION and kprobe_FUNCTION.
 */
#ifndef NETTRACE_PROBE_POINTS_BPF_H
#define NETTRACE_PROBE_POINTS_BPF_H

#include <nettrace/probe_points.h>

#define NT_POINTS_NOTHING(...)

/* tp_btf: the arguments are BTF pointers (define NT_BTF_POINTERS). */
#define NT_TP_BTF_SKB0(id, section, subsystem, event) \
	SEC("tp_btf/" #event)                         \
	int BPF_PROG(tp_##event, struct sk_buff *skb) \
	{                                             \
		return NT_POINT_COUNT_SKB(id, skb);   \
	}
#define NT_TP_BTF_SOCK0(id, section, subsystem, event)       \
	SEC("tp_btf/" #event)                                \
	int BPF_PROG(tp_##event, struct sock *sk)            \
	{                                                    \
		return NT_POINT_COUNT_SOCK(id, sk, section); \
	}
#define NT_TP_BTF_SENT_SKB0_DEV2(id, section, subsystem, event)                       \
	SEC("tp_btf/" #event)                                                         \
	int BPF_PROG(tp_##event, struct sk_buff *skb, int rc, struct net_device *dev) \
	{                                                                             \
		return NT_POINT_COUNT_SENT_SKB(id, skb, dev);                         \
	}
#define NT_TP_BTF_PROGRAM(id, section, subsystem, event, where) \
	NT_TP_BTF_##where(id, section, subsystem, event)
#define NT_TP_BTF_POINT_PROGRAMS NT_PROBE_POINTS(NT_POINTS_NOTHING, NT_TP_BTF_PROGRAM)

/* The classic tracepoints: each program gets the event's record
 * (include/trace/events/), and the sk_buff or socket pointer in it is
 * read through CO-RE, not trusted as a BTF pointer. A new TP entry in
 * NT_PROBE_POINTS needs its record named here. */
#define NT_TP_RECORD_netif_rx trace_event_raw_net_dev_template
#define NT_TP_RECORD_napi_gro_receive_entry trace_event_raw_net_dev_rx_verbose_template
#define NT_TP_RECORD_netif_receive_skb trace_event_raw_net_dev_template
#define NT_TP_RECORD_sock_recv_length trace_event_raw_sock_msg_length
#define NT_TP_RECORD_sock_send_length trace_event_raw_sock_msg_length
#define NT_TP_RECORD_net_dev_queue trace_event_raw_net_dev_template
#define NT_TP_RECORD_net_dev_start_xmit trace_event_raw_net_dev_start_xmit
#define NT_TP_RECORD_net_dev_xmit trace_event_raw_net_dev_xmit

#define NT_TRACEPOINT_SKB0(id, section, subsystem, event)                   \
	SEC("tracepoint/" #subsystem "/" #event)                            \
	int tracepoint_##event(struct NT_TP_RECORD_##event *args)           \
	{                                                                   \
		struct sk_buff *skb = (void *)BPF_CORE_READ(args, skbaddr); \
		return NT_POINT_COUNT_SKB(id, skb);                         \
	}
/* The classic record of net:net_dev_xmit names the device but has no
 * pointer to it: the packet's own device is read instead, which a veth
 * has already moved to its peer's namespace. */
#define NT_TRACEPOINT_SENT_SKB0_DEV2 NT_TRACEPOINT_SKB0
#define NT_TRACEPOINT_SOCK0(id, section, subsystem, event)         \
	SEC("tracepoint/" #subsystem "/" #event)                   \
	int tracepoint_##event(struct NT_TP_RECORD_##event *args)  \
	{                                                          \
		struct sock *sk = (void *)BPF_CORE_READ(args, sk); \
		return NT_POINT_COUNT_SOCK(id, sk, section);       \
	}
#define NT_TRACEPOINT_PROGRAM(id, section, subsystem, event, where) \
	NT_TRACEPOINT_##where(id, section, subsystem, event)
#define NT_TRACEPOINT_POINT_PROGRAMS NT_PROBE_POINTS(NT_POINTS_NOTHING, NT_TRACEPOINT_PROGRAM)

/* fentry: BTF pointers as for tp_btf (define NT_BTF_POINTERS). */
#define NT_FENTRY_SKB0(id, section, fn)                \
	SEC("fentry/" #fn)                             \
	int BPF_PROG(fentry_##fn, struct sk_buff *skb) \
	{                                              \
		return NT_POINT_COUNT_SKB(id, skb);    \
	}
#define NT_FENTRY_SKB2(id, section, fn)                                        \
	SEC("fentry/" #fn)                                                     \
	int BPF_PROG(fentry_##fn, void *arg0, void *arg1, struct sk_buff *skb) \
	{                                                                      \
		return NT_POINT_COUNT_SKB(id, skb);                            \
	}
#define NT_FENTRY_SOCK0(id, section, fn)                     \
	SEC("fentry/" #fn)                                   \
	int BPF_PROG(fentry_##fn, struct sock *sk)           \
	{                                                    \
		return NT_POINT_COUNT_SOCK(id, sk, section); \
	}
#define NT_FENTRY_PROGRAM(id, section, fn, where) NT_FENTRY_##where(id, section, fn)
#define NT_FENTRY_POINT_PROGRAMS NT_PROBE_POINTS(NT_FENTRY_PROGRAM, NT_POINTS_NOTHING)

/* kprobe: the registers' values, read through CO-RE. */
#define NT_KPROBE_SKB0(id, section, fn)                  \
	SEC("kprobe/" #fn)                               \
	int BPF_KPROBE(kprobe_##fn, struct sk_buff *skb) \
	{                                                \
		return NT_POINT_COUNT_SKB(id, skb);      \
	}
#define NT_KPROBE_SKB2(id, section, fn)                                          \
	SEC("kprobe/" #fn)                                                       \
	int BPF_KPROBE(kprobe_##fn, void *arg0, void *arg1, struct sk_buff *skb) \
	{                                                                        \
		return NT_POINT_COUNT_SKB(id, skb);                              \
	}
#define NT_KPROBE_SOCK0(id, section, fn)                     \
	SEC("kprobe/" #fn)                                   \
	int BPF_KPROBE(kprobe_##fn, struct sock *sk)         \
	{                                                    \
		return NT_POINT_COUNT_SOCK(id, sk, section); \
	}
#define NT_KPROBE_PROGRAM(id, section, fn, where) NT_KPROBE_##where(id, section, fn)
#define NT_KPROBE_POINT_PROGRAMS NT_PROBE_POINTS(NT_KPROBE_PROGRAM, NT_POINTS_NOTHING)

#endif
