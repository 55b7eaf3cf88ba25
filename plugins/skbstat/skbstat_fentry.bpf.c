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

NT_FENTRY_POINT_PROGRAMS

char LICENSE[] SEC("license") = "GPL";
