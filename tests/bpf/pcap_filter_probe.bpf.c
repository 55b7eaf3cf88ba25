// SPDX-License-Identifier: GPL-2.0
/*
 * Runs nt_pcap_match (pcap_filter.bpf.h) on the packet user space puts in
 * `packet`, behind the cooked header given with it, and writes the verdict to `verdict`: run with BPF_PROG_TEST_RUN,
 * so that tests can compare the kernel's verdict with libpcap's on the same
 * bytes. A map lookup, a CO-RE read and a call into a subprogram before
 * the marker, and a map lookup and another call after it, show that
 * libbpf's relocations survive the filter's injection: it adds the
 * subprograms after the filter's block when it loads.
 */
#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include <nettrace/pcap_filter.bpf.h>

#define PCAP_PROBE_MAX_BYTES 512

struct pcap_probe_packet {
	__u32 len;
	struct nt_pcap_cooked cooked;
	__u8 bytes[PCAP_PROBE_MAX_BYTES];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pcap_probe_packet);
} packet SEC(".maps");

/* [0]: 1 match, 2 no match; [1]: the running task's tgid, read with
 * CO-RE, so that a broken relocation shows. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} verdict SEC(".maps");

/* Not inlined, so that they are subprograms, called before and after the
 * marker. */
static __noinline __u32 readable_length(__u32 len)
{
	return len > PCAP_PROBE_MAX_BYTES ? PCAP_PROBE_MAX_BYTES : len;
}

static __noinline __u64 verdict_of(bool match)
{
	return match ? 1 : 2;
}

SEC("raw_tp")
int run_filter(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct nt_pcap_scratch scratch;
	__u32 zero = 0, one = 1;
	struct pcap_probe_packet *pkt;
	const void *bytes;
	__u64 address = 0;
	__u64 tgid;
	__u64 *out;
	__u32 len;
	bool match;

	pkt = bpf_map_lookup_elem(&packet, &zero);
	if (!pkt)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	len = readable_length(pkt->len);
	/* Tracing programs have a packet's address as a number read from
	 * the skb; this makes the map value's address one too. */
	bytes = pkt->bytes;
	bpf_probe_read_kernel(&address, sizeof(address), &bytes);

	__builtin_memcpy(&scratch.cooked, &pkt->cooked, sizeof(scratch.cooked));
	match = nt_pcap_match(address, len, &scratch);

	out = bpf_map_lookup_elem(&verdict, &zero);
	if (out)
		*out = verdict_of(match);
	out = bpf_map_lookup_elem(&verdict, &one);
	if (out)
		*out = tgid;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
