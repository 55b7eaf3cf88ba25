// SPDX-License-Identifier: MIT
// Real packets that the kernel drops, made inside a test's own namespace.
#pragma once

#include "netns.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace nettrace::test {

// A TCP connect from `src`:`sport` (0: any port) to `dst`:`dport`. Where
// nothing listens that is one SYN, dropped as NO_SOCKET and answered by a
// RST that ends the attempt, which is waited for. With `wait_for_answer`
// false the socket is closed at once, so a SYN some rule drops is sent
// once, never retransmitted. Returns the source port the SYN carried.
std::uint16_t tcp_connect_once(const TestNetns &ns, const std::string &src, const std::string &dst,
			       std::uint16_t dport, std::uint16_t sport = 0,
			       bool wait_for_answer = true);

// `count` UDP datagrams from `src`:`sport` (0: any port) to `dst`:`dport`,
// where nothing listens. Returns the source port they carried.
std::uint16_t udp_to_closed_port(const TestNetns &ns, const std::string &src,
				 const std::string &dst, std::uint16_t dport, int count = 1,
				 std::uint16_t sport = 0);

// An nftables input rule in the namespace that drops what `match` selects
// ("tcp dport 7304"): real NETFILTER_DROP drops with nft_do_chain on
// the stack. Goes away with the namespace.
void drop_input_with_nft(const TestNetns &ns, const std::string &match);

// Which end of a connection closes first.
enum class FirstToClose { Client, Server };

// `count` healthy TCP connections from `client` to `server_ip`:`port` in
// `server`. When the client closes first (it writes and closes, the server
// reads to the end and closes), each ends with the client, in FIN_WAIT2
// and already closed by its application, taking the server's FIN into its
// receive queue and purging it as the socket is done. When the server
// closes first (it reads the request, replies and closes; the client reads
// to the end and closes a moment later), the client's FIN reaches the
// server's timewait socket, which answers it and frees it. Neither loses
// anything. Throws std::runtime_error when a step fails.
void clean_tcp_connections(const TestNetns &server, const TestNetns &client,
			   const std::string &server_ip, std::uint16_t port, int count,
			   FirstToClose first = FirstToClose::Client);

// `count` TCP SYNs to 127.0.0.1:`dport` (closed) written with a raw socket
// in batches, from source port `sport`: the cheapest way to make many
// drops. Each SYN is one drop with destination port `dport`.
void tcp_syn_storm(const TestNetns &ns, std::uint16_t sport, std::uint16_t dport, int count);

// Five kinds of dropped packet in `ns`, 1, 2, 4, 8 and 16 of each, so
// that the total of any subset tells exactly which kinds a filter let
// through: UDP from 127.0.0.1:41001 to 127.0.0.1:336 (1), from :41002 to
// :85 (2), from 127.0.0.2:41003 to 127.0.0.1:90 (4), from [::1]:41004 to
// [::1]:85 (8), and TCP from 127.0.0.1:41005 to :86 (16 connections
// refused). Port 336 is 0x0150: a filter reading the wrong byte order
// would take it for port 0x5001.
void five_kinds_of_drop(const TestNetns &ns);

// `count` broadcast Ethernet frames of `ethertype` (60 bytes), written with
// a packet socket out of device `ifname` of `ns`. A veth hands each to its
// peer, whose receive path drops it when no protocol takes `ethertype`.
void send_frames(const TestNetns &ns, const std::string &ifname, std::uint16_t ethertype,
		 int count);

// One TCP SYN from src:sport to dst:dport (both IPv4 or both IPv6) in an
// Ethernet frame tagged with `vlan_ids` (outermost first; two make an
// 802.1ad frame), written with a packet socket out of device `ifname` of
// `ns`. The tags are in the frame, not in the skb: until a receive path
// takes one off, skb->protocol names it. A device that drops the frame at
// once (no carrier) counts as having sent it.
void send_tagged_tcp_syn(const TestNetns &ns, const std::string &ifname,
			 const std::vector<std::uint16_t> &vlan_ids, const std::string &src,
			 std::uint16_t sport, const std::string &dst, std::uint16_t dport);

} // namespace nettrace::test
