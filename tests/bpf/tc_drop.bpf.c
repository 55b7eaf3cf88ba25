// SPDX-License-Identifier: GPL-2.0
/*
 * Test program: a tc (clsact) filter that drops IPv4 TCP packets to one
 * destination port, as a container host's policy or a CNI program would.
 * Attached at ingress it drops in __netif_receive_skb_core, before the IP
 * layer orphans the packet: the packet still carries its sender's socket,
 * which lives in another namespace when it came over a veth pair.
 */
#include <vmlinux.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define ETH_P_IP 0x0800
#define IPPROTO_TCP 6

/* Set by the test before loading. */
const volatile __u16 drop_dport = 0;
/* How many packets it dropped, for the test to cross-check. */
__u64 dropped = 0;

SEC("tc")
int drop_tcp_dport(struct __sk_buff *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->protocol != IPPROTO_TCP)
		return TC_ACT_OK;
	tcp = (void *)ip + ip->ihl * 4;
	if ((void *)(tcp + 1) > data_end || tcp->dest != bpf_htons(drop_dport))
		return TC_ACT_OK;
	__sync_fetch_and_add(&dropped, 1);
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
