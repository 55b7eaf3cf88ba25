/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The probe points of the receive and transmit paths, one list shared by
 * the BPF programs and the user side of skbstat and the exporter.
 *
 * In the order they are shown: input from the device up to the socket,
 * output from the socket down to the device. FN entries are kernel
 * functions (fentry, else kprobe), TP entries tracepoints (tp_btf, else
 * the classic tracepoint). The last column says where the packet is:
 * SKB0 = the sk_buff is argument 0, SKB2 = argument 2 (the
 * netfilter-style okfn(net, sk, skb)), SOCK0 = only a socket, argument 0,
 * SENT_SKB0_DEV2 = the sk_buff after the device (argument 2) took it.
 * probe_points.bpf.h makes one program per point from it.
 */
#ifndef NETTRACE_PROBE_POINTS_H
#define NETTRACE_PROBE_POINTS_H

#define NT_PROBE_POINTS(FN, TP)                                                \
	TP(NETIF_RX, INGRESS, net, netif_rx, SKB0)                             \
	TP(NAPI_GRO_RECEIVE_ENTRY, INGRESS, net, napi_gro_receive_entry, SKB0) \
	TP(NETIF_RECEIVE_SKB, INGRESS, net, netif_receive_skb, SKB0)           \
	FN(IP_RCV, INGRESS, ip_rcv, SKB0)                                      \
	FN(IPV6_RCV, INGRESS, ipv6_rcv, SKB0)                                  \
	FN(IP_RCV_FINISH, INGRESS, ip_rcv_finish, SKB2)                        \
	FN(IP6_RCV_FINISH, INGRESS, ip6_rcv_finish, SKB2)                      \
	FN(IP_ROUTE_INPUT_NOREF, INGRESS, ip_route_input_noref, SKB0)          \
	FN(IP6_ROUTE_INPUT, INGRESS, ip6_route_input, SKB0)                    \
	FN(IP_ERROR, INGRESS, ip_error, SKB0)                                  \
	FN(IP_LOCAL_DELIVER, INGRESS, ip_local_deliver, SKB0)                  \
	FN(IP6_INPUT, INGRESS, ip6_input, SKB0)                                \
	FN(IP_LOCAL_DELIVER_FINISH, INGRESS, ip_local_deliver_finish, SKB2)    \
	FN(IP6_INPUT_FINISH, INGRESS, ip6_input_finish, SKB2)                  \
	FN(TCP_V4_RCV, INGRESS, tcp_v4_rcv, SKB0)                              \
	FN(TCP_V6_RCV, INGRESS, tcp_v6_rcv, SKB0)                              \
	FN(UDP_RCV, INGRESS, udp_rcv, SKB0)                                    \
	FN(UDPV6_RCV, INGRESS, udpv6_rcv, SKB0)                                \
	FN(ICMP_RCV, INGRESS, icmp_rcv, SKB0)                                  \
	FN(ICMPV6_RCV, INGRESS, icmpv6_rcv, SKB0)                              \
	FN(TCP_RECVMSG, INGRESS, tcp_recvmsg, SOCK0)                           \
	FN(UDP_RECVMSG, INGRESS, udp_recvmsg, SOCK0)                           \
	FN(UDPV6_RECVMSG, INGRESS, udpv6_recvmsg, SOCK0)                       \
	TP(SOCK_RECV_LENGTH, INGRESS, sock, sock_recv_length, SOCK0)           \
	FN(TCP_SENDMSG, EGRESS, tcp_sendmsg, SOCK0)                            \
	FN(UDP_SENDMSG, EGRESS, udp_sendmsg, SOCK0)                            \
	FN(UDPV6_SENDMSG, EGRESS, udpv6_sendmsg, SOCK0)                        \
	TP(SOCK_SEND_LENGTH, EGRESS, sock, sock_send_length, SOCK0)            \
	FN(IP_LOCAL_OUT, EGRESS, ip_local_out, SKB2)                           \
	FN(IP6_LOCAL_OUT, EGRESS, ip6_local_out, SKB2)                         \
	FN(IP_OUTPUT, EGRESS, ip_output, SKB2)                                 \
	FN(IP6_OUTPUT, EGRESS, ip6_output, SKB2)                               \
	FN(IP_FINISH_OUTPUT, EGRESS, ip_finish_output, SKB2)                   \
	FN(IP6_FINISH_OUTPUT, EGRESS, ip6_finish_output, SKB2)                 \
	FN(IP_FINISH_OUTPUT2, EGRESS, ip_finish_output2, SKB2)                 \
	FN(IP6_FINISH_OUTPUT2, EGRESS, ip6_finish_output2, SKB2)               \
	TP(NET_DEV_QUEUE, EGRESS, net, net_dev_queue, SKB0)                    \
	TP(NET_DEV_START_XMIT, EGRESS, net, net_dev_start_xmit, SKB0)          \
	TP(NET_DEV_XMIT, EGRESS, net, net_dev_xmit, SENT_SKB0_DEV2)

#define NT_PROBE_POINT_FN_ENUM(id, ...) NT_POINT_##id,
#define NT_PROBE_POINT_TP_ENUM(id, ...) NT_POINT_##id,
/* One enumerator per point, then the count. */
/* clang-format off */
enum nt_probe_point {
	NT_PROBE_POINTS(NT_PROBE_POINT_FN_ENUM, NT_PROBE_POINT_TP_ENUM)
	NT_PROBE_POINT_COUNT
};
/* clang-format on */

#endif
