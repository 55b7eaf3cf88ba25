// SPDX-License-Identifier: GPL-2.0
/* Test program for tc ingress: each packet is also cloned to the ingress
 * of a device that is down, and the kernel frees the clone as dropped
 * inside the helper, with this program on the stack. Loaded by a test
 * after a tracer has read the kernel's symbols, its frame
 * (bpf_prog_TAG_clone_drop) appears in /proc/kallsyms only later. */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 down_ifindex = 0;

SEC("tc")
int clone_drop(struct __sk_buff *skb)
{
	bpf_clone_redirect(skb, down_ifindex, BPF_F_INGRESS);
	return 0; /* TC_ACT_OK: the packet itself goes on */
}

char LICENSE[] SEC("license") = "GPL";
