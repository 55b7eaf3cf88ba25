// SPDX-License-Identifier: GPL-2.0
/* skbtrace's copies: when a followed packet is cloned or copied (a packet
 * socket's copy, TCP's clone of a segment it keeps for retransmission, a
 * tunnel's or bridge's copy), the copy is followed too, as a packet of its
 * own that names the packet it copies. The copy functions return the new
 * sk_buff, so they need a return probe: fexit where functions attach by
 * fentry, else a kprobe on entry and a kretprobe on return. The maps but
 * `copying` are skbtrace.bpf.c's, handed over before this object loads. */
#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "skbtrace_follow.bpf.h"

/* Starts following `copy`, which the function at `function` made of the
 * followed packet `parent_id`: its first sighting. */
static __always_inline int skbtrace_copied(struct sk_buff *copy, __u64 function, __u64 parent_id)
{
	__u64 key = (__u64)copy;
	struct skbtrace_followed *f;

	if (!copy)
		return 0;
	/* A new sk_buff: an entry under its address is a packet whose end
	 * passed no point we see. User space closes that one when this
	 * first sighting comes. */
	bpf_map_delete_elem(&followed, &key);
	f = skbtrace_follow(key, (__u64)NT_READ_CHAIN(copy, head));
	if (f)
		skbtrace_emit(copy, NULL, f->id, SKBTRACE_COPY, function, SKBTRACE_FIRST,
			      parent_id);
	return 0;
}

/* fexit: the copy function's arguments and its result together. */
static __always_inline int skbtrace_copy_made(struct sk_buff *skb, struct sk_buff *copy,
					      __u64 function)
{
	__u32 flags = 0;
	struct skbtrace_followed *f = skbtrace_find(skb, false, &flags);

	return f ? skbtrace_copied(copy, function, f->id) : 0;
}

SEC("fexit/skb_clone")
int BPF_PROG(fexit_skb_clone, struct sk_buff *skb, gfp_t gfp, struct sk_buff *copy)
{
	return skbtrace_copy_made(skb, copy, bpf_get_func_ip(ctx));
}

SEC("fexit/skb_copy")
int BPF_PROG(fexit_skb_copy, struct sk_buff *skb, gfp_t gfp, struct sk_buff *copy)
{
	return skbtrace_copy_made(skb, copy, bpf_get_func_ip(ctx));
}

SEC("fexit/__pskb_copy_fclone")
int BPF_PROG(fexit___pskb_copy_fclone, struct sk_buff *skb, int headroom, gfp_t gfp, bool fclone,
	     struct sk_buff *copy)
{
	return skbtrace_copy_made(skb, copy, bpf_get_func_ip(ctx));
}

SEC("fexit/skb_copy_expand")
int BPF_PROG(fexit_skb_copy_expand, struct sk_buff *skb, int headroom, int tailroom, gfp_t gfp,
	     struct sk_buff *copy)
{
	return skbtrace_copy_made(skb, copy, bpf_get_func_ip(ctx));
}

/* A kretprobe cannot read the arguments: the entry probe leaves what the
 * return needs here, under the copier (see skbtrace_copier). */
struct skbtrace_copying {
	__u64 parent_id;
	__u64 function;
	__u32 len; /* the parent's: a copy has the same */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct skbtrace_copying);
} copying SEC(".maps");

/* Who is in the copy function: the task, which may sleep and move to
 * another CPU in it; the CPU when no task is (an interrupt on an idle
 * CPU, whose idle task is pid 0 on every CPU). An interrupt that copies
 * a followed packet while the task it interrupted is in a copy function
 * with another shares its key: the interrupt's copy is followed, the
 * task's is missed, and the length check on return keeps the two from
 * being mixed up. */
static __always_inline __u64 skbtrace_copier(void)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	return (__u32)pid_tgid ? pid_tgid : 1ull << 63 | bpf_get_smp_processor_id();
}

SEC("kprobe")
int kprobe_copy(struct pt_regs *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)PT_REGS_PARM1(ctx);
	struct skbtrace_followed *f;
	__u32 flags = 0;
	__u64 who;

	if (!skb)
		return 0;
	f = skbtrace_find(skb, false, &flags);
	if (!f)
		return 0;
	struct skbtrace_copying c = {
		.parent_id = f->id,
		.function = PT_REGS_IP(ctx),
		.len = NT_READ_CHAIN(skb, len),
	};
	who = skbtrace_copier();
	/* Over what is there: a return the kernel missed (too many at
	 * once for a kretprobe) must not leave its entry in the way. */
	bpf_map_update_elem(&copying, &who, &c, BPF_ANY);
	return 0;
}

SEC("kretprobe")
int kretprobe_copy(struct pt_regs *ctx)
{
	struct sk_buff *copy = (struct sk_buff *)PT_REGS_RC(ctx);
	__u64 who = skbtrace_copier();
	struct skbtrace_copying *c = bpf_map_lookup_elem(&copying, &who);
	__u64 parent_id, function;

	if (!c)
		return 0;
	/* Another packet's copy, made by an interrupt inside ours: ours is
	 * still to return. */
	if (copy && NT_READ_CHAIN(copy, len) != c->len)
		return 0;
	parent_id = c->parent_id;
	function = c->function;
	bpf_map_delete_elem(&copying, &who);
	return skbtrace_copied(copy, function, parent_id);
}

char LICENSE[] SEC("license") = "GPL";
