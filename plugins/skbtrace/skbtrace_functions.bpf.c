// SPDX-License-Identifier: GPL-2.0
/* skbtrace's kernel functions: every function whose argument N is a
 * struct sk_buff * (user space finds them in BTF) runs the program for N.
 * The kprobe programs attach to many functions at once through one
 * kprobe.multi link, or one kprobe each; an fentry program is bound to
 * one function when it loads, so user space loads a copy per function.
 * The function is told by the address the program runs at. The maps are
 * skbtrace.bpf.c's, handed over before this object loads. */
#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "skbtrace_follow.bpf.h"

#define SKBTRACE_KPROBE(n, parm)                                                        \
	SEC("kprobe")                                                                   \
	int kprobe_skb_##n(struct pt_regs *ctx)                                         \
	{                                                                               \
		return skbtrace_function((struct sk_buff *)parm(ctx), PT_REGS_IP(ctx)); \
	}
SKBTRACE_KPROBE(0, PT_REGS_PARM1)
SKBTRACE_KPROBE(1, PT_REGS_PARM2)
SKBTRACE_KPROBE(2, PT_REGS_PARM3)
SKBTRACE_KPROBE(3, PT_REGS_PARM4)
SKBTRACE_KPROBE(4, PT_REGS_PARM5)

#define SKBTRACE_FENTRY(n)                                                                \
	SEC("fentry")                                                                     \
	int fentry_skb_##n(__u64 *ctx)                                                    \
	{                                                                                 \
		return skbtrace_function((struct sk_buff *)ctx[n], bpf_get_func_ip(ctx)); \
	}
SKBTRACE_FENTRY(0)
SKBTRACE_FENTRY(1)
SKBTRACE_FENTRY(2)
SKBTRACE_FENTRY(3)
SKBTRACE_FENTRY(4)

char LICENSE[] SEC("license") = "GPL";
