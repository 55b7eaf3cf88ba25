// SPDX-License-Identifier: GPL-2.0
/*
 * nt_pcap_match in a function the compiler may not inline: libbpf adds it
 * to the program only at load, after the filter was to be put in, so
 * check_no_marker_left() must notice the marker left there.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

#include <nettrace/pcap_filter.bpf.h>

__u64 matched = 0;

static __noinline int filter_in_subprogram(__u64 address, __u32 len)
{
	struct nt_pcap_scratch scratch;

	return nt_pcap_match(address, len, &scratch);
}

SEC("raw_tp")
int run_filter_in_subprogram(void *ctx)
{
	__u64 address = 0;

	bpf_probe_read_kernel(&address, sizeof(address), &ctx);
	if (filter_in_subprogram(address, 0))
		__sync_fetch_and_add(&matched, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
