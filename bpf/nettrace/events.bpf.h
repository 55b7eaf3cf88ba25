/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* DEFINES GLOBALS: include once per object */
/*
 * Sending records to user space through a BPF ring buffer without ever
 * losing one silently: a reservation that fails is counted in
 * `nettrace_lost_events`, which user space reads from the mapped .bss
 * (no syscall) and reports. Records are submitted with NT_SUBMIT_EVENT,
 * which wakes the reader only as events.h describes.
 */
#ifndef NETTRACE_EVENTS_BPF_H
#define NETTRACE_EVENTS_BPF_H

#include <nettrace/events.h>

/* Events that could not be sent because the ring buffer was full. */
__u64 nettrace_lost_events = 0;

/* When a record last woke the reader, and when one last looked at how
 * full the ring is (bpf_ktime_get_ns). Looking means reading the
 * consumer position, a cache line the reader writes as it takes records:
 * doing it for every record costs more than the record itself. So
 * a record looks only when NETTRACE_FILL_CHECK_NS have passed since the
 * last look. Both are written only then, so CPUs do not fight over them. */
__u64 nettrace_last_wakeup_ns = 0;
__u64 nettrace_last_fill_check_ns = 0;

/* Reserves a record of `type` in ring buffer map `rb`, or counts a loss and
 * yields NULL. */
#define NT_RESERVE_EVENT(rb, type)                                           \
	({                                                                   \
		type *nt_rec_ = bpf_ringbuf_reserve(&(rb), sizeof(type), 0); \
		if (!nt_rec_)                                                \
			__sync_fetch_and_add(&nettrace_lost_events, 1);      \
		nt_rec_;                                                     \
	})

/* The flag for bpf_ringbuf_submit/output: wake the reader, or leave the
 * record for its next look. `now` is bpf_ktime_get_ns(), which the caller
 * has already read for its record: a second read costs as much again. */
static __always_inline __u64 nt_wakeup_flag(void *rb, __u64 now)
{
	bool wake = now - nettrace_last_wakeup_ns >= NETTRACE_WAKEUP_INTERVAL_NS;

	if (!wake && now - nettrace_last_fill_check_ns >= NETTRACE_FILL_CHECK_NS) {
		nettrace_last_fill_check_ns = now;
		wake = bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA) >=
		       bpf_ringbuf_query(rb, BPF_RB_RING_SIZE) / NETTRACE_WAKEUP_FILL_DIVISOR;
	}
	if (!wake)
		return BPF_RB_NO_WAKEUP;
	nettrace_last_wakeup_ns = now;
	return BPF_RB_FORCE_WAKEUP;
}

/* Hands a reserved record, made at bpf_ktime_get_ns() `now`, to user space. */
#define NT_SUBMIT_EVENT(rb, rec, now) bpf_ringbuf_submit((rec), nt_wakeup_flag(&(rb), (now)))

#endif
