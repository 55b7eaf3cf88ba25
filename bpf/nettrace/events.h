/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How BPF programs and user space share a ring buffer, agreed by both
 * sides (events.bpf.h on the BPF side, EventLoop in user space).
 *
 * Waking the reader for every record makes each producing CPU send it an
 * interrupt: in a drop storm that, not the tracing, is what slows the
 * traced host. So a record wakes the reader only when a quarter of the
 * ring is waiting, or when no record has woken it for
 * NETTRACE_WAKEUP_INTERVAL_NS (a lone record after a quiet spell is seen
 * at once). While records keep coming, user space looks at the ring every
 * interval by itself, so none waits longer than about that. How full the
 * ring is, is looked at no more often than every NETTRACE_FILL_CHECK_NS
 * (events.bpf.h says why), so the ring must hold what arrives in that
 * time several times over.
 */
#ifndef NETTRACE_EVENTS_H
#define NETTRACE_EVENTS_H

#define NETTRACE_WAKEUP_INTERVAL_NS (10ULL * 1000 * 1000)
#define NETTRACE_WAKEUP_FILL_DIVISOR 4
#define NETTRACE_FILL_CHECK_NS (1000ULL * 1000)

#endif
