// SPDX-License-Identifier: MIT
// libpcap, opened the first time an expression is compiled: only commands
// given one pay for it and for what it brings (D-Bus, systemd, gcrypt:
// about 1 MB of every process, and their start-up code).
#pragma once

#include <pcap/pcap.h>

namespace nettrace::pcap {

struct Libpcap {
	pcap_t *(*open_dead)(int, int);
	int (*compile)(pcap_t *, bpf_program *, const char *, int, bpf_u_int32);
	char *(*geterr)(pcap_t *);
	void (*freecode)(bpf_program *);
	void (*close)(pcap_t *);
	const char *(*lib_version)();
};

// Throws RuntimeError, one line, when libpcap cannot be opened.
const Libpcap &libpcap();

} // namespace nettrace::pcap
