// SPDX-License-Identifier: GPL-2.0
/* skbstat's function probe points through fentry: one program per
 * function, generated from SKBSTAT_POINTS. User space leaves out the
 * functions this kernel does not have (or has inlined). */
#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* Every program here is fentry: see nettrace/read.bpf.h. */
#define NT_BTF_POINTERS
#include "skbstat_count.bpf.h"

#define FENTRY_SKB0(id, section, fn)                         \
	SEC("fentry/" #fn)                                   \
	int BPF_PROG(fentry_##fn, struct sk_buff *skb)       \
	{                                                    \
		return skbstat_count_skb(SKBSTAT_##id, skb); \
	}
#define FENTRY_SKB2(id, section, fn)                                           \
	SEC("fentry/" #fn)                                                     \
	int BPF_PROG(fentry_##fn, void *arg0, void *arg1, struct sk_buff *skb) \
	{                                                                      \
		return skbstat_count_skb(SKBSTAT_##id, skb);                   \
	}
#define FENTRY_SOCK0(id, section, fn)                                                     \
	SEC("fentry/" #fn)                                                                \
	int BPF_PROG(fentry_##fn, struct sock *sk)                                        \
	{                                                                                 \
		return skbstat_count_sock(SKBSTAT_##id, sk, SKBSTAT_RECEIVING_##section); \
	}
#define FUNCTION_PROGRAM(id, section, fn, where) FENTRY_##where(id, section, fn)
#define NOT_A_FUNCTION(...)

SKBSTAT_POINTS(FUNCTION_PROGRAM, NOT_A_FUNCTION)

char LICENSE[] SEC("license") = "GPL";
