/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What skbstat counts, shared by its BPF programs and its user side.
 *
 * The probe points are NT_PROBE_POINTS (nettrace/probe_points.h), in
 * the order they are shown.
 */
#ifndef NETTRACE_SKBSTAT_H
#define NETTRACE_SKBSTAT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#include <nettrace/free_kind.h>
#include <nettrace/probe_points.h>

/* The probe points, shared with the exporter (nettrace/probe_points.h). */
#define SKBSTAT_POINTS NT_PROBE_POINTS

#define SKBSTAT_FN_ENUM(id, ...) SKBSTAT_##id,
#define SKBSTAT_TP_ENUM(id, ...) SKBSTAT_##id,
/* One enumerator per point, then the count. */
/* clang-format off */
enum skbstat_point {
	SKBSTAT_POINTS(SKBSTAT_FN_ENUM, SKBSTAT_TP_ENUM)
	SKBSTAT_POINT_COUNT
};
/* clang-format on */

/* Counters come in two generations: BPF counts into `generation`, user
 * space flips it at the end of an interval and then reads and clears the
 * other, so no increment is lost between reading and clearing. */
#define SKBSTAT_GENERATIONS 2

#define SKBSTAT_STACK_DEPTH 64
/* Distinct stacks an interval keeps: the default, and the most that
 * --stack-storage-size may ask for (each costs 528 bytes of kernel memory,
 * twice: one table per generation). */
#define SKBSTAT_MAX_STACKS 4096
#define SKBSTAT_STACK_STORAGE_LIMIT 65536
/* A stack table keeps one stack per bucket, chosen by a hash of the
 * frames: a stack whose bucket holds another is refused (never put in its
 * place, which would give the other's rows a wrong stack). Such a stack
 * goes to a small overflow table instead, and its row's stack id is the
 * overflow id with this bit set; it is lost only if its bucket there is
 * taken too, which takes three stacks sharing one bucket of the main
 * table. One case escapes the refusal: the kernel checks a bucket and
 * fills it without a lock, so two CPUs that store different stacks in
 * one empty bucket at the same moment both get its id, and the later
 * store stays. It takes two new stacks of one bucket within the same
 * fraction of a microsecond. */
#define SKBSTAT_OVERFLOW_STACKS 1024
#define SKBSTAT_OVERFLOW_ID 0x40000000

/* A drop or consume stack row: one per distinct (stack, reason, site,
 * kind). */
struct skbstat_stack_key {
	__s32 stack_id;
	__u32 reason; /* enum skb_drop_reason; 0 for consume */
	__u64 location;
	__u32 free_kind; /* drops: NT_FREE_* (nettrace/free_kind.h), maybe
			  * with NT_FREE_IF_SITE; 0 for consume */
	__u32 unused;    /* no padding in a hash key: it is hashed too */
};

/* What could not be counted in a generation (never silent). */
struct skbstat_losses {
	__u64 stack_unrecorded; /* neither stack table could take the stack */
	__u64 rows_full;        /* the stack-row table was full */
};

#endif
