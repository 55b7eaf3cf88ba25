// SPDX-License-Identifier: GPL-2.0
/* skbstat's function probe points through kprobes, for kernels where
 * fentry is not available: one program per function, generated from
 * NT_PROBE_POINTS, each attached on its own so one missing function does
 * not stop the rest. */
#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "skbstat_count.bpf.h"

NT_KPROBE_POINT_PROGRAMS

char LICENSE[] SEC("license") = "GPL";
