// SPDX-License-Identifier: MIT
#include "pcap_corpus.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <stdexcept>

namespace nettrace::test {
namespace {

using Bytes = std::vector<std::uint8_t>;

void put16(Bytes &b, std::uint16_t v)
{
	b.push_back(static_cast<std::uint8_t>(v >> 8));
	b.push_back(static_cast<std::uint8_t>(v));
}

void put32(Bytes &b, std::uint32_t v)
{
	put16(b, static_cast<std::uint16_t>(v >> 16));
	put16(b, static_cast<std::uint16_t>(v));
}

void put_addr(Bytes &b, int family, const char *text)
{
	std::uint8_t raw[16];
	if (inet_pton(family, text, raw) != 1)
		throw std::invalid_argument(text);
	b.insert(b.end(), raw, raw + (family == AF_INET ? 4 : 16));
}

struct V4 {
	const char *src;
	const char *dst;
	std::uint8_t proto;
	Bytes options = {};
	std::uint16_t frag = 0; // flags and offset, as on the wire
	std::uint8_t tos = 0;
	std::uint8_t ttl = 64;
};

Bytes ipv4(const V4 &h, const Bytes &payload)
{
	Bytes b;
	const std::size_t header = 20 + h.options.size();
	b.push_back(static_cast<std::uint8_t>(0x40 | (header / 4)));
	b.push_back(h.tos);
	put16(b, static_cast<std::uint16_t>(header + payload.size()));
	put16(b, 0x1c46);
	put16(b, h.frag);
	b.push_back(h.ttl);
	b.push_back(h.proto);
	put16(b, 0); // checksum: filters do not read it
	put_addr(b, AF_INET, h.src);
	put_addr(b, AF_INET, h.dst);
	b.insert(b.end(), h.options.begin(), h.options.end());
	b.insert(b.end(), payload.begin(), payload.end());
	return b;
}

Bytes ipv6(const char *src, const char *dst, std::uint8_t next, const Bytes &payload)
{
	Bytes b;
	put32(b, 0x60000000);
	put16(b, static_cast<std::uint16_t>(payload.size()));
	b.push_back(next);
	b.push_back(64);
	put_addr(b, AF_INET6, src);
	put_addr(b, AF_INET6, dst);
	b.insert(b.end(), payload.begin(), payload.end());
	return b;
}

enum : std::uint8_t { FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16 };

Bytes tcp(std::uint16_t sport, std::uint16_t dport, std::uint8_t flags,
	  const std::string &data = "", std::size_t option_bytes = 0)
{
	Bytes b;
	put16(b, sport);
	put16(b, dport);
	put32(b, 0x01020304);
	put32(b, flags & ACK ? 0x0a0b0c0d : 0);
	b.push_back(static_cast<std::uint8_t>(((20 + option_bytes) / 4) << 4));
	b.push_back(flags);
	put16(b, 64240);
	put16(b, 0);
	put16(b, 0);
	b.insert(b.end(), option_bytes, 1); // NOPs
	b.insert(b.end(), data.begin(), data.end());
	return b;
}

Bytes udp(std::uint16_t sport, std::uint16_t dport, const Bytes &data)
{
	Bytes b;
	put16(b, sport);
	put16(b, dport);
	put16(b, static_cast<std::uint16_t>(8 + data.size()));
	put16(b, 0);
	b.insert(b.end(), data.begin(), data.end());
	return b;
}

Bytes icmp(std::uint8_t type, std::uint8_t code)
{
	return {type, code, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g'};
}

Bytes text(const std::string &s)
{
	return Bytes(s.begin(), s.end());
}

Bytes truncated(Bytes b, std::size_t size)
{
	b.resize(size);
	return b;
}

constexpr std::uint16_t kEthIp = 0x0800, kEthIpv6 = 0x86dd, kEthArp = 0x0806, kEthLldp = 0x88cc;

// A cooked header (v2) for the `index`th packet: the devices, directions
// and link types vary from packet to packet, so that expressions on them
// ("inbound", "ifindex 4", "link[10] = 4") have packets to tell apart.
Bytes cooked(std::size_t index, std::uint16_t protocol)
{
	static const std::uint8_t kPacketTypes[] = {0, 4, 1, 4, 2};
	Bytes c;
	put16(c, protocol);
	put16(c, 0);
	put32(c, static_cast<std::uint32_t>(1 + index % 3 * 3)); // 1, 4, 7
	const bool loopback = index % 4 == 0;
	put16(c, loopback ? 772 : 1); // ARPHRD_LOOPBACK or ARPHRD_ETHER
	c.push_back(kPacketTypes[index % 5]);
	c.push_back(6);
	const Bytes address = {0x02, 0, 0, 0, 0, static_cast<std::uint8_t>(index)};
	for (std::uint8_t b : address)
		c.push_back(loopback ? 0 : b);
	put16(c, 0); // addr has 8 bytes, 6 of them used
	return c;
}

// The protocol a packet's cooked header names: by its IP version, unless
// given.
std::uint16_t protocol_of(const Bytes &bytes)
{
	const int version = bytes.empty() ? 0 : bytes[0] >> 4;
	return version == 6 ? kEthIpv6 : kEthIp;
}

Bytes arp_request()
{
	Bytes b;
	put16(b, 1);      // Ethernet
	put16(b, kEthIp); // for IPv4
	b.push_back(6);
	b.push_back(4);
	put16(b, 1); // request
	const Bytes sender = {0x02, 0, 0, 0, 0, 1};
	b.insert(b.end(), sender.begin(), sender.end());
	put_addr(b, AF_INET, "10.0.0.1");
	b.insert(b.end(), 6, 0);
	put_addr(b, AF_INET, "10.0.0.2");
	return b;
}

struct Uncooked {
	std::string name;
	Bytes bytes;
	std::uint16_t protocol = 0; // 0: by the IP version
};

std::vector<CorpusPacket> cook(const std::vector<Uncooked> &packets)
{
	std::vector<CorpusPacket> out;
	for (std::size_t i = 0; i < packets.size(); i++) {
		const Uncooked &p = packets[i];
		out.push_back({p.name, p.bytes,
			       cooked(i, p.protocol ? p.protocol : protocol_of(p.bytes))});
	}
	return out;
}

std::vector<CorpusPacket> make_packets()
{
	const Bytes dns_query = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	const Bytes router_alert = {0x94, 0x04, 0x00, 0x00};
	const Bytes long_options = {0x01, 0x01, 0x07, 0x0b, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	const Bytes hop_by_hop_udp = [] {
		Bytes b = {17, 0, 1, 4, 0, 0, 0, 0}; // next UDP, PadN
		const Bytes u = udp(5000, 5001, text("hop"));
		b.insert(b.end(), u.begin(), u.end());
		return b;
	}();
	const Bytes fragment_udp = [] {
		Bytes b = {17, 0, 0x00, 0x01, 0, 0, 0, 42}; // next UDP, offset 0, M
		const Bytes u = udp(7000, 53, text("fragmented"));
		b.insert(b.end(), u.begin(), u.end());
		return b;
	}();
	const Bytes syn4 = ipv4({"10.0.0.1", "192.168.1.2", 6}, tcp(40000, 80, SYN));
	return cook({
		{"tcp4 syn", syn4},
		{"tcp4 syn-ack", ipv4({"192.168.1.2", "10.0.0.1", 6}, tcp(80, 40000, SYN | ACK))},
		{"tcp4 http get", ipv4({"172.16.5.4", "10.1.2.3", 6},
				       tcp(51000, 80, PSH | ACK, "GET / HTTP/1.1\r\n"))},
		{"tcp4 options get",
		 ipv4({"172.16.5.4", "10.1.2.3", 6}, tcp(51000, 80, PSH | ACK, "GET /x", 12))},
		{"tcp4 rst lo", ipv4({"127.0.0.1", "127.0.0.1", 6}, tcp(22, 33000, RST | ACK))},
		{"tcp4 fin", ipv4({"8.8.8.8", "10.0.0.1", 6}, tcp(53, 41000, FIN | ACK))},
		{"tcp4 df",
		 ipv4({"10.9.8.7", "93.184.216.34", 6, {}, 0x4000}, tcp(60000, 443, ACK))},
		{"udp4 dns", ipv4({"10.0.0.1", "8.8.8.8", 17}, udp(5353, 53, dns_query))},
		{"udp4 ntp", ipv4({"192.168.1.2", "10.0.0.9", 17}, udp(123, 123, Bytes(48, 0x1b)))},
		{"udp4 big",
		 ipv4({"10.0.0.5", "10.0.0.6", 17}, udp(8080, 0x8001, Bytes(300, 0xab)))},
		{"udp4 payload 1234",
		 ipv4({"10.3.3.3", "10.4.4.4", 17}, udp(1000, 2000, {0x12, 0x34}))},
		{"icmp4 echo", ipv4({"10.0.0.1", "10.0.0.2", 1}, icmp(8, 0))},
		{"icmp4 reply", ipv4({"10.0.0.2", "10.0.0.1", 1}, icmp(0, 0))},
		{"icmp4 port unreachable", ipv4({"10.0.0.2", "10.0.0.1", 1}, icmp(3, 3))},
		{"tcp4 router alert",
		 ipv4({"10.0.0.1", "192.168.1.2", 6, router_alert}, tcp(40001, 80, SYN))},
		{"udp4 long options",
		 ipv4({"172.20.0.1", "172.20.0.2", 17, long_options}, udp(6000, 53, dns_query))},
		{"udp4 first fragment",
		 ipv4({"10.0.0.1", "10.0.0.2", 17, {}, 0x2000}, udp(7000, 53, Bytes(40, 1)))},
		{"udp4 later fragment",
		 ipv4({"10.0.0.1", "10.0.0.2", 17, {}, 185}, Bytes(40, 0x35))},
		{"gre4", ipv4({"10.0.0.1", "10.0.0.2", 47}, Bytes(8, 0))},
		{"udp4 tos ttl",
		 ipv4({"10.0.0.1", "224.0.0.251", 17, {}, 0, 0x28, 1}, udp(5353, 5353, dns_query))},
		{"udp4 broadcast", ipv4({"10.0.0.1", "10.255.255.255", 17, {}, 0, 0x10, 200},
					udp(68, 67, Bytes(20, 0)))},
		{"tcp6 syn", ipv6("2001:db8::1", "2001:db8::2", 6, tcp(40000, 443, SYN))},
		{"tcp6 ssh",
		 ipv6("2001:db8:1::5", "2001:db9::6", 6, tcp(22, 50000, PSH | ACK, "SSH-2.0"))},
		{"udp6 mdns", ipv6("fe80::1", "ff02::fb", 17, udp(5353, 5353, dns_query))},
		{"icmp6 echo", ipv6("2001:db8::1", "2001:db8::2", 58, icmp(128, 0))},
		{"icmp6 neighbour solicitation",
		 ipv6("fe80::1", "ff02::1:ff00:2", 58, icmp(135, 0))},
		{"udp6 hop-by-hop", ipv6("2001:db8::1", "ff02::16", 0, hop_by_hop_udp)},
		{"udp6 fragment", ipv6("2001:db8::3", "2001:db8::4", 44, fragment_udp)},
		{"tcp4 cut in tcp header", truncated(syn4, 30)},
		{"tcp4 ip header only", truncated(syn4, 20)},
		{"tcp4 ten bytes", truncated(syn4, 10)},
		{"tcp6 cut in ip header",
		 truncated(ipv6("2001:db8::1", "2001:db8::2", 6, tcp(1, 2, SYN)), 30)},
		{"empty", {}},
		{"not ip", Bytes(40, 0)},
		{"arp request", arp_request(), kEthArp},
		{"lldp", Bytes(40, 0x0e), kEthLldp},
		{"arp cut", truncated(arp_request(), 7), kEthArp},
	});
}

} // namespace

std::vector<std::uint8_t> CorpusPacket::wire() const
{
	Bytes b = cooked;
	b.insert(b.end(), bytes.begin(), bytes.end());
	return b;
}

const std::vector<CorpusPacket> &pcap_packets()
{
	static const std::vector<CorpusPacket> packets = make_packets();
	return packets;
}

const std::vector<std::string> &pcap_expressions()
{
	static const std::vector<std::string> expressions = {
		// Protocols.
		"ip",
		"ip6",
		"tcp",
		"udp",
		"icmp",
		"icmp6",
		"ip proto 47",
		"ip6 proto 58",
		"icmp or icmp6",
		"not tcp",
		"not (tcp or udp)",
		"udp or icmp",
		// Hosts and nets.
		"host 10.0.0.1",
		"src host 10.0.0.1",
		"dst host 8.8.8.8",
		"ip host 10.0.0.1 and ip host 10.0.0.2",
		"net 10.0.0.0/8",
		"net 192.168.0.0 mask 255.255.0.0",
		"src net 172.16.0.0/12",
		"not net 10.0.0.0/8",
		"dst net 224.0.0.0/4",
		"ip multicast",
		"ip6 multicast",
		"host 2001:db8::1",
		"net 2001:db8::/32",
		"ip6 src net fe80::/10",
		"ip6 dst host ff02::fb",
		"(src net 10.0.0.0/8 or src net 172.16.0.0/12) and tcp",
		// Ports and ranges.
		"port 80",
		"src port 80",
		"dst port 53",
		"tcp port 443",
		"udp port 123",
		"port 0",
		"portrange 1-1024",
		"tcp dst portrange 50000-60000",
		"udp src portrange 5000-6000",
		"src portrange 0-1023 and tcp",
		"tcp src port 80 or udp dst port 53",
		"host 10.0.0.1 and not port 22",
		"tcp and (port 80 or port 443)",
		"ip6 and tcp port 443",
		"ip[6:2] & 0x1fff = 0 and udp port 53",
		// TCP flags.
		"tcp[tcpflags] & tcp-syn != 0",
		"tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
		"tcp[tcpflags] & tcp-rst != 0",
		"tcp[13] = 18",
		"tcp[tcpflags] & (tcp-fin|tcp-push) != 0",
		"tcp[tcpflags] & tcp-syn != 0 and not net 10.0.0.0/8",
		// Bytes, masks and arithmetic.
		"ip[0] & 0xf != 5",
		"udp[8:2] = 0x1234",
		"udp[8:2] > 0x8000",
		"ip[8] < 64",
		"ip[1] & 0xfc = 0x28",
		"tcp[0:4] > 0x9c400000",
		"udp[2:2] >= 0x8001",
		"ip[9] ^ 6 = 0",
		"ip[9] | 1 = 17",
		"ip[8] * 2 > 100",
		"udp[4:2] - 8 > 100",
		"tcp[12] >> 4 > 5",
		"ip[2:2] - ((ip[0] & 0xf) << 2) > 40",
		"ip[1] << ip[8] != 0",
		"ip[8] >> ip[1] = 0",
		"ip[2] / (ip[1] & 3) > 10",
		"ip[3] % (ip[8] & 7) = 1",
		"ip[2] / (ip[1] & 3) = 0",
		"ip[3] % (ip[1] & 7) = ip[3]",
		"-ip[8] & 0xff > 200",
		"tcp[20:4] = 0x47455420",
		"tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420",
		"ip[100:4] = 0",
		"ip[4000] = 0",
		"ip[0] > 0x45",
		"ip6[4:2] > 20",
		"ip6[6] = 44",
		"ip6[40] = 128",
		// Lengths.
		"len <= 60",
		"greater 100",
		"less 64",
		"len >= 300",
		"len > 1500",
		"less 40 and ip",
		// ICMP types.
		"icmp[icmptype] = icmp-echo",
		"icmp[icmptype] == icmp-echoreply",
		"icmp[0] = 3 and icmp[1] = 3",
		"icmp6 and ip6[40] = 135",
		// Fragments.
		"ip[6:2] & 0x1fff != 0",
		"ip[6:2] & 0x3fff != 0",
		"ip[6] & 0x40 != 0",
		// What only the cooked header says: protocols that are not IP,
		// direction, device, and the link bytes themselves.
		"arp",
		"not ip",
		"not ip and not ip6",
		"ether proto 0x88cc",
		"arp or (outbound and tcp)",
		"inbound",
		"outbound and udp",
		"ifindex 4",
		"ifindex 7 and not arp",
		"link[8:2] = 772",
		"link[10] = 2",
		"link[18:4] != 0",
		"link[ip[0] & 0xf] = 0",
		"link[ip[9] & 0x1f:2] > 0x100",
		"arp[7] = 1",
	};
	return expressions;
}

} // namespace nettrace::test
