// SPDX-License-Identifier: GPL-2.0
/* Test program: one ring-buffer record per getppid() call of one process,
 * numbered, so the poller's counting, stopping and loss accounting can be
 * checked exactly. `rejected` is never loaded unless a test asks: the
 * verifier refuses it, which the loader's error message must show. */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <nettrace/events.bpf.h>

struct ringbuf_probe_event {
	__u64 seq;
	__u32 pid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} scratch SEC(".maps");

const volatile __u32 target_tgid = 0;
__u64 sequence = 0;

SEC("tracepoint/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	const __u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (tgid != target_tgid)
		return 0;
	struct ringbuf_probe_event *e = NT_RESERVE_EVENT(events, struct ringbuf_probe_event);
	if (!e)
		return 0;
	/* Read, then add: an atomic add that returns the old value (BPF_FETCH)
	 * needs 5.12, and the matrix runs 5.10. The target calls one at a time. */
	e->seq = sequence;
	__sync_fetch_and_add(&sequence, 1);
	e->pid = tgid;
	e->pad = 0;
	NT_SUBMIT_EVENT(events, e, bpf_ktime_get_ns());
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int rejected(void *ctx)
{
	__u32 key = 0;
	__u64 *value = bpf_map_lookup_elem(&scratch, &key);
	/* No NULL check: the verifier must refuse this. */
	return *value;
}

char LICENSE[] SEC("license") = "GPL";
