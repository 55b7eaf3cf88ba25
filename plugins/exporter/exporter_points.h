/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The exporter's point counting map (--points), shared by its BPF
 * programs and its user side: one row per distinct (probe point,
 * namespace, device), holding packets, per CPU. Rows are never cleared,
 * so every value only grows, as a Prometheus counter must. One map is
 * shared by every object that attaches points (tp_btf, classic
 * tracepoint, fentry, kprobe), so a point has one row wherever it
 * attached.
 */
#ifndef NETTRACE_EXPORTER_POINTS_H
#define NETTRACE_EXPORTER_POINTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

struct exporter_point_key {
	__u32 point;   /* enum nt_probe_point (nettrace/probe_points.h) */
	__u32 netns;   /* inode of the namespace the packet is in, 0 unknown */
	__u32 ifindex; /* the device's, within that namespace; 0 for none */
};

#endif
