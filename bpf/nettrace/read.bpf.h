/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading kernel structures from any kind of BPF program: NT_READ_CHAIN,
 * and the network namespace of a socket, a device or a packet.
 *
 * Include after vmlinux.h, bpf_helpers.h and bpf_core_read.h. Defines no
 * globals: any header may include it.
 *
 * NT_READ_CHAIN(p, a, b) reads p->a->b. tp_btf and fentry programs get
 * typed kernel pointers they may read through directly: a plain load the
 * kernel guards against faults, several times cheaper than a helper call.
 * An object whose programs are all of those kinds defines NT_BTF_POINTERS
 * before it includes this header or any header that includes it (packet,
 * filter); others (kprobe, classic tracepoints, where pointers are plain
 * numbers) read through bpf_probe_read_kernel. Defined any later, it would
 * change nothing: the build stops instead (below).
 */

/* Outside the include guard, so that every include checks it. */
#if defined(NETTRACE_READ_BPF_H) && defined(NT_BTF_POINTERS) && !NT_READ_BTF_POINTERS
#error "NT_BTF_POINTERS is defined after nettrace/read.bpf.h was included (maybe through filter.bpf.h or packet.bpf.h): define it before the first nettrace header"
#endif

#ifndef NETTRACE_READ_BPF_H
#define NETTRACE_READ_BPF_H

#ifdef NT_BTF_POINTERS
#define NT_READ_BTF_POINTERS 1
#define NT_READ_CHAIN_1(p, a) ((p)->a)
#define NT_READ_CHAIN_2(p, a, b) ((p)->a->b)
#define NT_READ_CHAIN_PICK(_1, _2, NAME, ...) NAME
#define NT_READ_CHAIN(p, ...) \
	NT_READ_CHAIN_PICK(__VA_ARGS__, NT_READ_CHAIN_2, NT_READ_CHAIN_1)(p, __VA_ARGS__)
#else
#define NT_READ_BTF_POINTERS 0
/* A definition after the last nettrace header is seen by no #if: each read
 * names NT_BTF_POINTERS instead. Undefined, the name pastes into a macro
 * that is empty; defined, into an identifier nothing declares, and the
 * compiler names it at the read. */
#define NT_READ_CHECK_LATE(value) NT_READ_CHECK_LATE_(value)
#define NT_READ_CHECK_LATE_(value) nt_btf_pointers_defined_after_nettrace_headers##value
#define nt_btf_pointers_defined_after_nettrace_headersNT_BTF_POINTERS
#define NT_READ_CHAIN(p, ...)                        \
	({                                           \
		NT_READ_CHECK_LATE(NT_BTF_POINTERS); \
		BPF_CORE_READ(p, __VA_ARGS__);       \
	})
#endif

/*
 * Network namespace inodes, 0 when unknown. Kernels built without
 * CONFIG_NET_NS have no `net` pointer in possible_net_t; the field checks
 * keep such programs loadable.
 */

/* The namespace of the socket `sk` (which may be NULL). */
static __always_inline __u32 nt_sock_netns(struct sock *sk)
{
	if (!sk || !bpf_core_field_exists(sk->__sk_common.skc_net.net))
		return 0;
	return NT_READ_CHAIN(sk, __sk_common.skc_net.net, ns.inum);
}

/* The namespace of the device `dev` (which may be NULL). */
static __always_inline __u32 nt_device_netns(struct net_device *dev)
{
	if (!dev || !bpf_core_field_exists(dev->nd_net.net))
		return 0;
	return NT_READ_CHAIN(dev, nd_net.net, ns.inum);
}

/* The namespace of the device the packet is on, 0 when it is on none. */
static __always_inline __u32 nt_dev_netns(struct sk_buff *skb)
{
	return nt_device_netns(NT_READ_CHAIN(skb, dev));
}

/*
 * The namespace where the packet is seen or dropped: that of the device it
 * is on, else that of its socket `sk` (which may be NULL). The device comes
 * first because a packet keeps its sender's socket across a veth pair: a
 * container's SYN dropped on the host's side of the pair still carries the
 * container's socket, but the host dropped it. Packets that are on no
 * device (queued on a socket, or built locally before routing) belong to
 * their socket's namespace.
 */
static __always_inline __u32 nt_skb_netns(struct sk_buff *skb, struct sock *sk)
{
	__u32 ino = nt_dev_netns(skb);

	return ino ? ino : nt_sock_netns(sk);
}

/*
 * The index of the device the packet is on, else of the one it came in on
 * (skb_iif), 0 for neither. TCP takes a received packet off its device
 * once it has found the socket, so drops after that (a purged receive
 * queue, an old sequence number) know the device only by skb_iif. Either
 * index is the device's in its own namespace: nt_skb_netns() names the
 * same one (the device's, else the socket's, where the packet arrived).
 */
static __always_inline __u32 nt_skb_ifindex(struct sk_buff *skb)
{
	struct net_device *dev = NT_READ_CHAIN(skb, dev);

	return dev ? NT_READ_CHAIN(dev, ifindex) : NT_READ_CHAIN(skb, skb_iif);
}

/*
 * Is the packet on its way out? A packet no device has received (skb_iif
 * 0) was made on this host; one whose device is not the one it came in on
 * is being forwarded out of another. Everything else was received. The
 * kernel marks only the copies packet sockets see as outgoing
 * (PACKET_OUTGOING), so skb->pkt_type cannot say it.
 */
static __always_inline bool nt_skb_outgoing(struct sk_buff *skb)
{
	struct net_device *dev = NT_READ_CHAIN(skb, dev);
	__u32 iif = NT_READ_CHAIN(skb, skb_iif);

	return !iif || (dev && NT_READ_CHAIN(dev, ifindex) != iif);
}

#endif /* NETTRACE_READ_BPF_H */
