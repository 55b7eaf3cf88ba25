// SPDX-License-Identifier: GPL-2.0
/* The exporter's probe points (--points) by tp_btf: one program per
 * point of NT_PROBE_POINTS, counted per namespace and device
 * (exporter_points_count.bpf.h). User space loads those asked for. */
#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* Every program here gets BTF pointers: see nettrace/read.bpf.h. */
#define NT_BTF_POINTERS
#include "exporter_points_count.bpf.h"

NT_TP_BTF_POINT_PROGRAMS

char LICENSE[] SEC("license") = "GPL";
