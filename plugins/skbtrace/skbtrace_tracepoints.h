/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The tracepoints that carry an sk_buff, one program each (skbtrace.bpf.c)
 * and one name each (user space), with the argument that is the packet.
 * The kernel's BTF says which of them this kernel has, and whether the
 * argument is still an sk_buff there (btf_trace_<event>); a tracepoint of
 * this kernel that carries an sk_buff and is not listed here is named by
 * --list-points as not followed. skb:kfree_skb and skb:consume_skb are the
 * ends, programs of their own.
 */
#ifndef NETTRACE_SKBTRACE_TRACEPOINTS_H
#define NETTRACE_SKBTRACE_TRACEPOINTS_H

/* TP(subsystem, event, index of the sk_buff argument, index of the device
 * argument or -1). The device argument is for net_dev_xmit, which fires
 * after the driver took the packet: a veth has moved it to its peer by
 * then, so the packet's own device is not the one that sent it. */
#define SKBTRACE_TRACEPOINTS(TP)                     \
	TP(net, netif_rx_entry, 0, -1)               \
	TP(net, netif_rx_ni_entry, 0, -1)            \
	TP(net, netif_rx, 0, -1)                     \
	TP(net, napi_gro_frags_entry, 0, -1)         \
	TP(net, napi_gro_receive_entry, 0, -1)       \
	TP(net, netif_receive_skb_entry, 0, -1)      \
	TP(net, netif_receive_skb_list_entry, 0, -1) \
	TP(net, netif_receive_skb, 0, -1)            \
	TP(net, net_dev_queue, 0, -1)                \
	TP(net, net_dev_start_xmit, 0, -1)           \
	TP(net, net_dev_xmit, 0, 2)                  \
	TP(qdisc, qdisc_enqueue, 2, -1)              \
	TP(qdisc, qdisc_dequeue, 3, -1)              \
	TP(skb, skb_copy_datagram_iovec, 0, -1)      \
	TP(sock, sock_rcvqueue_full, 1, -1)          \
	TP(udp, udp_fail_queue_rcv_skb, 2, -1)       \
	TP(tcp, tcp_probe, 1, -1)                    \
	TP(tcp, tcp_retransmit_skb, 1, -1)           \
	TP(tcp, tcp_send_reset, 1, -1)               \
	TP(tcp, tcp_sendmsg_locked, 2, -1)           \
	TP(tcp, tcp_bad_csum, 0, -1)                 \
	TP(tcp, tcp_hash_bad_header, 1, -1)          \
	TP(tcp, tcp_hash_md5_required, 1, -1)        \
	TP(tcp, tcp_hash_md5_unexpected, 1, -1)      \
	TP(tcp, tcp_hash_md5_mismatch, 1, -1)        \
	TP(tcp, tcp_hash_ao_required, 1, -1)         \
	TP(tcp, tcp_ao_handshake_failure, 1, -1)     \
	TP(icmp, icmp_send, 0, -1)                   \
	TP(mptcp, subflow_check_data_avail, 1, -1)

#define SKBTRACE_TRACEPOINT_ENUM(subsystem, event, arg, dev_arg) SKBTRACE_TP_##event,
/* clang-format off */
enum skbtrace_tracepoint {
	SKBTRACE_TRACEPOINTS(SKBTRACE_TRACEPOINT_ENUM)
	SKBTRACE_TRACEPOINT_COUNT
};
/* clang-format on */

#endif
