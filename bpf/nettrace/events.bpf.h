/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Sending records to user space through a BPF ring buffer without ever
 * losing one silently: a reservation that fails is counted in
 * `nettrace_lost_events`, which user space reads from the mapped .bss
 * (no syscall) and reports.
 */
#ifndef NETTRACE_EVENTS_BPF_H
#define NETTRACE_EVENTS_BPF_H

/* Events that could not be sent because the ring buffer was full. */
__u64 nettrace_lost_events = 0;

/* Reserves a record of `type` in ring buffer map `rb`, or counts a loss and
 * yields NULL. */
#define NT_RESERVE_EVENT(rb, type)                                           \
	({                                                                   \
		type *nt_rec_ = bpf_ringbuf_reserve(&(rb), sizeof(type), 0); \
		if (!nt_rec_)                                                \
			__sync_fetch_and_add(&nettrace_lost_events, 1);      \
		nt_rec_;                                                     \
	})

#endif
