// SPDX-License-Identifier: MIT
#include "traffic.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace nettrace::test {

namespace {

struct SocketAddress {
	sockaddr_storage storage{};
	socklen_t length = 0;
	int family = 0;
};

SocketAddress make_address(const std::string &ip, std::uint16_t port)
{
	SocketAddress a;
	auto *v4 = reinterpret_cast<sockaddr_in *>(&a.storage);
	auto *v6 = reinterpret_cast<sockaddr_in6 *>(&a.storage);
	if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		a.length = sizeof(*v4);
		a.family = AF_INET;
	} else if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		a.length = sizeof(*v6);
		a.family = AF_INET6;
	} else {
		throw std::invalid_argument("not an address: " + ip);
	}
	return a;
}

std::uint16_t bound_port(int fd)
{
	sockaddr_storage s{};
	socklen_t len = sizeof(s);
	getsockname(fd, reinterpret_cast<sockaddr *>(&s), &len);
	return ntohs(s.ss_family == AF_INET ? reinterpret_cast<sockaddr_in *>(&s)->sin_port
					    : reinterpret_cast<sockaddr_in6 *>(&s)->sin6_port);
}

void check(bool ok, const char *what)
{
	if (!ok)
		throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

// Internet checksum over `len` bytes, starting from `sum`.
std::uint32_t checksum_add(std::uint32_t sum, const void *data, std::size_t len)
{
	const auto *p = static_cast<const std::uint8_t *>(data);
	for (std::size_t i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

std::uint16_t checksum_fold(std::uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(static_cast<std::uint16_t>(~sum));
}

} // namespace

std::uint16_t tcp_connect_once(const TestNetns &ns, const std::string &src, const std::string &dst,
			       std::uint16_t dport, std::uint16_t sport, bool wait_for_answer)
{
	const SocketAddress from = make_address(src, sport), to = make_address(dst, dport);
	const int fd = ns.socket_in(from.family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	const int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	check(bind(fd, reinterpret_cast<const sockaddr *>(&from.storage), from.length) == 0,
	      "bind");
	const std::uint16_t bound = bound_port(fd);
	const int rc = connect(fd, reinterpret_cast<const sockaddr *>(&to.storage), to.length);
	if (rc != 0 && errno == EINPROGRESS && wait_for_answer) {
		// The RST comes back at once on a local path; wait for it.
		pollfd p{fd, POLLOUT, 0};
		poll(&p, 1, 5000);
	}
	close(fd);
	return bound;
}

std::uint16_t udp_to_closed_port(const TestNetns &ns, const std::string &src,
				 const std::string &dst, std::uint16_t dport, int count,
				 std::uint16_t sport)
{
	const SocketAddress from = make_address(src, sport), to = make_address(dst, dport);
	const int fd = ns.socket_in(from.family, SOCK_DGRAM, 0);
	check(bind(fd, reinterpret_cast<const sockaddr *>(&from.storage), from.length) == 0,
	      "bind");
	const std::uint16_t bound = bound_port(fd);
	const char payload[] = "nettrace test";
	for (int i = 0; i < count; ++i)
		check(sendto(fd, payload, sizeof(payload), 0,
			     reinterpret_cast<const sockaddr *>(&to.storage), to.length) >= 0,
		      "sendto");
	close(fd);
	return bound;
}

void drop_input_with_nft(const TestNetns &ns, const std::string &match)
{
	ns.exec_checked(
		"nft add table inet nttest && "
		"nft add chain inet nttest input '{ type filter hook input priority 0; }' && "
		"nft add rule inet nttest input " +
		match + " drop");
}

void clean_tcp_connections(const TestNetns &server, const TestNetns &client,
			   const std::string &server_ip, std::uint16_t port, int count,
			   FirstToClose first)
{
	const SocketAddress to = make_address(server_ip, port);
	const int listener = server.socket_in(to.family, SOCK_STREAM);
	const int one = 1;
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	const auto give_up = [&](const char *what) {
		const int err = errno;
		close(listener);
		errno = err;
		check(false, what);
	};
	const auto reads_give_up = [](int fd) {
		const timeval limit{5, 0};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
	};
	const auto read_to_end = [&](int fd) {
		reads_give_up(fd);
		char buf[64];
		std::size_t got = 0;
		for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;)
			got += static_cast<std::size_t>(n);
		return got;
	};
	if (bind(listener, reinterpret_cast<const sockaddr *>(&to.storage), to.length) != 0)
		give_up("bind");
	if (listen(listener, 8) != 0)
		give_up("listen");
	for (int i = 0; i < count; ++i) {
		const int c = client.socket_in(to.family, SOCK_STREAM);
		if (connect(c, reinterpret_cast<const sockaddr *>(&to.storage), to.length) != 0) {
			close(c);
			give_up("connect");
		}
		const int s = accept(listener, nullptr, nullptr);
		if (s < 0) {
			close(c);
			give_up("accept");
		}
		bool carried = write(c, "hello", 5) == 5;
		if (first == FirstToClose::Client) {
			close(c);
			carried = read_to_end(s) == 5 && carried;
			close(s);
		} else {
			char request[5];
			reads_give_up(s);
			carried = read(s, request, sizeof(request)) == 5 &&
				  write(s, "bye", 3) == 3 && carried;
			close(s);
			carried = read_to_end(c) == 3 && carried;
			// The server's FIN put the client in delayed-ACK mode: its
			// ACK could wait for, and ride on, its own FIN, which would
			// then find the server's socket still whole. Sent now.
			setsockopt(c, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
			// As a client does some time after the reply: by then the
			// server's socket has given way to its timewait socket.
			std::this_thread::sleep_for(std::chrono::milliseconds(100));
			close(c);
		}
		if (!carried) {
			close(listener);
			throw std::runtime_error("a clean connection did not carry its bytes");
		}
	}
	close(listener);
	// The last FIN crosses the pair and is freed at once; a moment more
	// for it to be freed before anything is read.
	std::this_thread::sleep_for(std::chrono::milliseconds(300));
}

void tcp_syn_storm(const TestNetns &ns, std::uint16_t sport, std::uint16_t dport, int count)
{
	struct Packet {
		iphdr ip;
		tcphdr tcp;
	} __attribute__((packed));

	const int fd = ns.socket_in(AF_INET, SOCK_RAW, IPPROTO_RAW);
	const SocketAddress to = make_address("127.0.0.1", dport);

	constexpr int batch = 256;
	std::vector<Packet> packets(batch);
	std::vector<iovec> iov(batch);
	std::vector<mmsghdr> msgs(batch);
	for (int i = 0; i < batch; ++i) {
		Packet &p = packets[i];
		std::memset(&p, 0, sizeof(p));
		p.ip.version = 4;
		p.ip.ihl = 5;
		p.ip.ttl = 64;
		p.ip.protocol = IPPROTO_TCP;
		p.ip.tot_len = htons(sizeof(Packet));
		p.ip.saddr = htonl(INADDR_LOOPBACK);
		p.ip.daddr = htonl(INADDR_LOOPBACK);
		p.tcp.source = htons(sport);
		p.tcp.dest = htons(dport);
		p.tcp.seq = htonl(1000 + i);
		p.tcp.doff = 5;
		p.tcp.syn = 1;
		p.tcp.window = htons(1024);
		// TCP checksum over the pseudo header and the segment, so the
		// drop is NO_SOCKET and not a checksum error.
		std::uint32_t sum = 0;
		sum = checksum_add(sum, &p.ip.saddr, 8);
		sum += IPPROTO_TCP + sizeof(tcphdr);
		sum = checksum_add(sum, &p.tcp, sizeof(tcphdr));
		p.tcp.check = checksum_fold(sum);
		iov[i] = {&p, sizeof(p)};
		msgs[i].msg_hdr.msg_name = const_cast<sockaddr_storage *>(&to.storage);
		msgs[i].msg_hdr.msg_namelen = to.length;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	int sent = 0;
	while (sent < count) {
		const int n = std::min(batch, count - sent);
		const int done = sendmmsg(fd, msgs.data(), static_cast<unsigned>(n), 0);
		if (done < 0 && errno == EINTR)
			continue;
		check(done > 0, "sendmmsg");
		sent += done;
	}
	close(fd);
}

void five_kinds_of_drop(const TestNetns &ns)
{
	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", 336, 1, 41001);
	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", 85, 2, 41002);
	udp_to_closed_port(ns, "127.0.0.2", "127.0.0.1", 90, 4, 41003);
	udp_to_closed_port(ns, "::1", "::1", 85, 8, 41004);
	for (int i = 0; i < 16; ++i)
		tcp_connect_once(ns, "127.0.0.1", "127.0.0.1", 86, 41005);
}

namespace {

// Writes `frame` `count` times out of device `ifname` of `ns` with a packet
// socket, which takes skb->protocol from the frame's ethertype.
void write_frames(const TestNetns &ns, const std::string &ifname, const std::uint8_t *frame,
		  std::size_t length, int count)
{
	unsigned ifindex = 0;
	ns.run_in([&] { ifindex = if_nametoindex(ifname.c_str()); });
	if (ifindex == 0)
		throw std::runtime_error("write_frames: no device " + ifname + " in " + ns.name());
	const int fd = ns.socket_in(AF_PACKET, SOCK_RAW, 0);
	sockaddr_ll to{};
	to.sll_family = AF_PACKET;
	to.sll_ifindex = static_cast<int>(ifindex);
	for (int i = 0; i < count; i++)
		if (sendto(fd, frame, length, 0, reinterpret_cast<const sockaddr *>(&to),
			   sizeof(to)) != static_cast<ssize_t>(length) &&
		    errno != ENOBUFS) { // the device dropped it: sent, as far as we go
			const int err = errno;
			close(fd);
			throw std::runtime_error(std::string("write_frames: ") +
						 std::strerror(err));
		}
	close(fd);
}

void put_be16(std::uint8_t *at, std::uint16_t value)
{
	at[0] = static_cast<std::uint8_t>(value >> 8);
	at[1] = static_cast<std::uint8_t>(value);
}

// Appends the bytes of header `h` to `frame`.
template <typename Header>
void append_bytes(std::vector<std::uint8_t> &frame, const Header &h)
{
	const auto *bytes = reinterpret_cast<const std::uint8_t *>(&h);
	frame.insert(frame.end(), bytes, bytes + sizeof(h));
}

} // namespace

void send_frames(const TestNetns &ns, const std::string &ifname, std::uint16_t ethertype, int count)
{
	std::uint8_t frame[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1};
	put_be16(frame + 12, ethertype);
	write_frames(ns, ifname, frame, sizeof(frame), count);
}

void send_tagged_tcp_syn(const TestNetns &ns, const std::string &ifname,
			 const std::vector<std::uint16_t> &vlan_ids, const std::string &src,
			 std::uint16_t sport, const std::string &dst, std::uint16_t dport)
{
	const SocketAddress from = make_address(src, sport), to = make_address(dst, dport);
	if (from.family != to.family)
		throw std::runtime_error("send_tagged_tcp_syn: " + src + " and " + dst +
					 " are of two families");
	const bool v4 = from.family == AF_INET;
	std::vector<std::uint8_t> frame = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
	// Each tag: its TPID (802.1ad for an outer one of two, else 802.1Q),
	// then the tag control (priority 0, the VLAN id). Then the ethertype
	// of what follows.
	for (std::size_t i = 0; i < vlan_ids.size(); ++i) {
		const bool outer = vlan_ids.size() > 1 && i == 0;
		frame.resize(frame.size() + 4);
		put_be16(&frame[frame.size() - 4], outer ? 0x88a8 : 0x8100);
		put_be16(&frame[frame.size() - 2], vlan_ids[i] & 0x0fff);
	}
	frame.resize(frame.size() + 2);
	put_be16(&frame[frame.size() - 2], v4 ? 0x0800 : 0x86dd);
	tcphdr tcp{};
	tcp.source = htons(sport);
	tcp.dest = htons(dport);
	tcp.seq = htonl(1);
	tcp.doff = sizeof(tcp) / 4;
	tcp.syn = 1;
	tcp.window = htons(64240);
	if (v4) {
		iphdr ip{};
		ip.version = 4;
		ip.ihl = sizeof(ip) / 4;
		ip.tot_len = htons(sizeof(ip) + sizeof(tcp));
		ip.frag_off = htons(IP_DF);
		ip.ttl = 64;
		ip.protocol = IPPROTO_TCP;
		ip.saddr = reinterpret_cast<const sockaddr_in *>(&from.storage)->sin_addr.s_addr;
		ip.daddr = reinterpret_cast<const sockaddr_in *>(&to.storage)->sin_addr.s_addr;
		ip.check = checksum_fold(checksum_add(0, &ip, sizeof(ip)));
		append_bytes(frame, ip);
	} else {
		ip6_hdr ip{};
		ip.ip6_flow = htonl(6u << 28);
		ip.ip6_plen = htons(sizeof(tcp));
		ip.ip6_nxt = IPPROTO_TCP;
		ip.ip6_hlim = 64;
		ip.ip6_src = reinterpret_cast<const sockaddr_in6 *>(&from.storage)->sin6_addr;
		ip.ip6_dst = reinterpret_cast<const sockaddr_in6 *>(&to.storage)->sin6_addr;
		append_bytes(frame, ip);
	}
	// The TCP checksum is left 0: nothing on the way to the drop checks it.
	append_bytes(frame, tcp);
	write_frames(ns, ifname, frame.data(), frame.size(), 1);
}

} // namespace nettrace::test
