/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One dropped TCP packet, as tcpdrop.bpf.c sends it to user space. */
#ifndef NETTRACE_TCPDROP_H
#define NETTRACE_TCPDROP_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#include <nettrace/capture.h>

#define TCPDROP_MAX_STACK 64

/* reason_filter_mode */
#define TCPDROP_REASONS_ALL 0
#define TCPDROP_REASONS_ONLY 1   /* --reason: only the listed codes */
#define TCPDROP_REASONS_EXCEPT 2 /* --exclude-reason */

/* flags */
#define TCPDROP_HAS_REASON 0x1 /* the kernel passed a drop reason */
#define TCPDROP_HAS_SOCKET 0x2 /* `state` is a TCP socket's state */

struct tcpdrop_event {
	__u64 ktime_ns; /* bpf_ktime_get_ns() at the drop */
	__u64 location; /* return address of the drop call: the drop site */
	__u32 pid;      /* thread group of the task that was running */
	__u32 reason;   /* enum skb_drop_reason (subsystem in the high 16 bits) */
	__u32 netns;    /* inode of the network namespace that dropped it: the
			   * device's, else the socket's (nt_skb_netns) */
	__u32 ifindex;  /* device the packet is on, else the one it came in on
			 * (nt_skb_ifindex), in namespace `netns`; 0 if none */
	__u8 family;    /* NT_AF_INET / NT_AF_INET6 */
	__u8 state;     /* TCP state (TCP_ESTABLISHED=1 ...) if HAS_SOCKET */
	__u8 tcp_flags; /* byte 13 of the TCP header */
	__u8 flags;     /* TCPDROP_HAS_* */
	__u16 sport;    /* host order, from the packet */
	__u16 dport;
	__u8 saddr[16]; /* network order, from the packet */
	__u8 daddr[16];
	char comm[16];
	__s32 stack_bytes; /* bytes of `stack` filled, or a negative errno */
	__u32 sock_netns;  /* the socket's namespace if HAS_SOCKET (0 if unknown):
			    * a packet keeps its sender's socket across a veth
			    * pair, so it may differ from `netns` */
	__u8 free_kind;    /* NT_FREE_* (nettrace/free_kind.h), maybe with
			    * NT_FREE_IF_SITE */
	__u8 reserved[7];
	char ifname[16]; /* the name of the device `ifindex` is, when the packet
			    * was still on it; empty otherwise (IFNAMSIZ) */
};

/* With stacks, the frames follow the fixed part in the same record. */
struct tcpdrop_event_with_stack {
	struct tcpdrop_event event;
	__u64 stack[TCPDROP_MAX_STACK];
};

/* -w: the most bytes of a packet a record carries (--snaplen's maximum).
 * Every capturing record reserves room for this many, whatever --snaplen
 * says, since a ring buffer reservation has a size fixed at load time. */
#define TCPDROP_MAX_SNAPLEN 1024

/* With -w, the packet's first bytes: after the fixed part, and after the
 * stack when there is one. */
struct tcpdrop_capture {
	struct nt_capture_head head;
	__u8 data[TCPDROP_MAX_SNAPLEN];
};

struct tcpdrop_event_with_capture {
	struct tcpdrop_event event;
	struct tcpdrop_capture capture;
};

struct tcpdrop_event_with_stack_and_capture {
	struct tcpdrop_event event;
	__u64 stack[TCPDROP_MAX_STACK];
	struct tcpdrop_capture capture;
};

#endif
