// SPDX-License-Identifier: GPL-2.0
/* skbstat's function probe points through kprobes, for kernels where
 * fentry is not available: one program per function, generated from
 * SKBSTAT_POINTS, each attached on its own so one missing function does
 * not stop the rest. */
#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "skbstat_count.bpf.h"

#define KPROBE_SKB0(id, section, fn)                         \
	SEC("kprobe/" #fn)                                   \
	int BPF_KPROBE(kprobe_##fn, struct sk_buff *skb)     \
	{                                                    \
		return skbstat_count_skb(SKBSTAT_##id, skb); \
	}
#define KPROBE_SKB2(id, section, fn)                                             \
	SEC("kprobe/" #fn)                                                       \
	int BPF_KPROBE(kprobe_##fn, void *arg0, void *arg1, struct sk_buff *skb) \
	{                                                                        \
		return skbstat_count_skb(SKBSTAT_##id, skb);                     \
	}
#define KPROBE_SOCK0(id, section, fn)                                                     \
	SEC("kprobe/" #fn)                                                                \
	int BPF_KPROBE(kprobe_##fn, struct sock *sk)                                      \
	{                                                                                 \
		return skbstat_count_sock(SKBSTAT_##id, sk, SKBSTAT_RECEIVING_##section); \
	}
#define FUNCTION_PROGRAM(id, section, fn, where) KPROBE_##where(id, section, fn)
#define NOT_A_FUNCTION(...)

SKBSTAT_POINTS(FUNCTION_PROGRAM, NOT_A_FUNCTION)

char LICENSE[] SEC("license") = "GPL";
