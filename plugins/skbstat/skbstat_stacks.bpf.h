/* SPDX-License-Identifier: GPL-2.0 */
/* DEFINES GLOBALS: include once per object */
/*
 * The drop and consume stacks, shared by skbstat's two tracepoint objects
 * (tp_btf and classic tracepoint): whichever attaches the drop and
 * consume programs holds these tables, and user space reads that one.
 * Include after skbstat_count.bpf.h.
 */
#ifndef NETTRACE_SKBSTAT_STACKS_BPF_H
#define NETTRACE_SKBSTAT_STACKS_BPF_H

#include <nettrace/free_kind.bpf.h>
#include <nettrace/maps.bpf.h>

/* Two of each, one per generation (see skbstat.h). Stack tables are
 * emptied every interval, so they never fill over a long run. */
#define STACK_TABLE(name, size)                                          \
	struct {                                                         \
		__uint(type, BPF_MAP_TYPE_STACK_TRACE);                  \
		__uint(max_entries, size);                               \
		__uint(key_size, sizeof(__u32));                         \
		__uint(value_size, SKBSTAT_STACK_DEPTH * sizeof(__u64)); \
	} name SEC(".maps")
#define ROW_TABLE(name)                                  \
	struct {                                         \
		__uint(type, BPF_MAP_TYPE_HASH);         \
		__uint(max_entries, SKBSTAT_MAX_STACKS); \
		__type(key, struct skbstat_stack_key);   \
		__type(value, __u64);                    \
	} name SEC(".maps")

/* The main tables are resized by --stack-storage-size before load. */
STACK_TABLE(stacks_0, SKBSTAT_MAX_STACKS);
STACK_TABLE(stacks_1, SKBSTAT_MAX_STACKS);
STACK_TABLE(overflow_stacks_0, SKBSTAT_OVERFLOW_STACKS);
STACK_TABLE(overflow_stacks_1, SKBSTAT_OVERFLOW_STACKS);
ROW_TABLE(drop_rows_0);
ROW_TABLE(drop_rows_1);
ROW_TABLE(consume_rows_0);
ROW_TABLE(consume_rows_1);

struct skbstat_losses losses[SKBSTAT_GENERATIONS] = {};

/* --no-stack: rows are keyed by reason and drop site only, under stack id
 * -1, and no stack is walked: cheaper per event, and fewer rows. */
const volatile bool skbstat_no_stack = false;

/* The id of the current stack in `stacks`, else in `overflow` with
 * SKBSTAT_OVERFLOW_ID set (see skbstat.h); -1, counted in `loss`, when
 * neither could take it. */
static __always_inline __s32 record_stack(void *ctx, void *stacks, void *overflow,
					  struct skbstat_losses *loss)
{
	__s32 id = bpf_get_stackid(ctx, stacks, 0);

	if (id >= 0)
		return id;
	id = bpf_get_stackid(ctx, overflow, 0);
	if (id >= 0)
		return id | SKBSTAT_OVERFLOW_ID;
	__sync_fetch_and_add(&loss->stack_unrecorded, 1);
	return -1;
}

/* Counts one more of (stack, reason, site, kind) in `rows`. A stack that
 * could not be stored still counts, under stack id -1, so totals stay
 * exact. */
static __always_inline void count_row(void *ctx, void *stacks, void *overflow, void *rows,
				      struct skbstat_losses *loss, __u32 reason, __u64 location,
				      __u8 free_kind)
{
	struct skbstat_stack_key key = {
		.stack_id = skbstat_no_stack ? -1 : record_stack(ctx, stacks, overflow, loss),
		.reason = reason,
		.location = location,
		.free_kind = free_kind,
		.unused = 0};

	nt_count(rows, &key, &loss->rows_full);
}

/* A drop's kind (nettrace/free_kind.h): a free that loses no packet gets
 * rows of its own, never added to a real drop's. `rx_sk` is the socket a
 * received packet was meant for, where the kernel names it (6.11 on). */
static __always_inline __u8 drop_kind(struct sk_buff *skb, struct sock *rx_sk, __u32 reason,
				      bool has_reason)
{
	struct sock *charged = NT_READ_CHAIN(skb, sk);
	struct sock *sk = charged ? charged : rx_sk;

	return nt_free_kind(skb, sk, nt_sock_kind(sk), charged != NULL, reason, has_reason);
}

static __always_inline int count_drop(void *ctx, struct sk_buff *skb, struct sock *rx_sk,
				      __u32 reason, bool has_reason, __u64 location)
{
	__u8 kind;

	if (!skbstat_skb_wanted(skb))
		return 0;
	kind = drop_kind(skb, rx_sk, reason, has_reason);
	/* Constant map pointers on each path, as the verifier wants. */
	if (generation & 1)
		count_row(ctx, &stacks_1, &overflow_stacks_1, &drop_rows_1, &losses[1], reason,
			  location, kind);
	else
		count_row(ctx, &stacks_0, &overflow_stacks_0, &drop_rows_0, &losses[0], reason,
			  location, kind);
	return 0;
}

static __always_inline int count_consume(void *ctx, struct sk_buff *skb)
{
	if (!skbstat_skb_wanted(skb))
		return 0;
	if (generation & 1)
		count_row(ctx, &stacks_1, &overflow_stacks_1, &consume_rows_1, &losses[1], 0, 0,
			  NT_FREE_DROP);
	else
		count_row(ctx, &stacks_0, &overflow_stacks_0, &consume_rows_0, &losses[0], 0, 0,
			  NT_FREE_DROP);
	return 0;
}

#endif
