/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A packet's first bytes, as a BPF program copies them for a pcapng
 * capture (-w): where they start, how long the packet was, its direction,
 * then the bytes. The bytes follow this header in the record, up to the
 * record type's own maximum.
 */
#ifndef NETTRACE_CAPTURE_H
#define NETTRACE_CAPTURE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* link: where the bytes start */
#define NT_CAPTURE_LINK_RAW 0      /* at the IP header (LINKTYPE_RAW) */
#define NT_CAPTURE_LINK_ETHERNET 1 /* at a 14-byte Ethernet header */

/* direction, as pcapng's epb_flags say it */
#define NT_CAPTURE_INBOUND 1
#define NT_CAPTURE_OUTBOUND 2

struct nt_capture_head {
	__u32 caplen;   /* bytes that follow */
	__u32 origlen;  /* the packet's length from where the bytes start */
	__u8 link;      /* NT_CAPTURE_LINK_* */
	__u8 direction; /* NT_CAPTURE_INBOUND / NT_CAPTURE_OUTBOUND */
	__u8 reserved[6];
};

#endif
