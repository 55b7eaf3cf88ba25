// SPDX-License-Identifier: MIT
// nettrace-drop-storm: makes a known number of packet drops, as fast as it
// can, inside a network namespace of its own, so that a tracer's cost to
// the traced workload and its delivery can be measured.
//
// Every packet it sends is dropped exactly once:
//   --tcp N  raw SYNs to a closed port on 127.0.0.1, reason NO_SOCKET. Their
//            source, 198.18.0.1 (the RFC 2544 benchmarking range), has no
//            route in the new namespace, so the kernel's RST is never built
//            and cannot be a second drop.
//   --udp N  datagrams from a UDP socket to a closed port, reason NO_SOCKET.
//            The ICMP port unreachable that comes back is consumed, not
//            dropped.
//   --nft    an input rule drops both first, reason NETFILTER_DROP.
//   --ethertypes N
//            raw Ethernet frames, each of its own ethertype (0x9000, 0x9001,
//            ...), sent on one end of a veth pair in the namespace; the
//            other end has no handler for them and drops each once in
//            __netif_receive_skb_core, reason UNHANDLED_PROTO. A counter
//            keyed by protocol sees N series.
//   --rate R paces any of them to R packets per second instead of as fast
//            as it can.
//
// Output, one line each: the namespace (inode, and path with --netns-name),
// then, after the storm, the drops made, the seconds taken and the rate.
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <netpacket/packet.h>
#include <sched.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char **environ;

namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
constexpr const char *kProgram = "nettrace-drop-storm";
constexpr const char *kNetnsDir = "/run/netns";
constexpr const char *kNftTable = "nettrace_drop_storm";
// The ethertypes sent: from 0x9000 up, a range where the kernel registers
// no handler by default (and none is an 802.3 length).
constexpr std::uint16_t kFirstEthertype = 0x9000;
constexpr std::uint64_t kEthertypeCount = 0x10000 - kFirstEthertype;
constexpr const char *kVethSend = "ntstorm0";
constexpr const char *kVethDrop = "ntstorm1";

// The /run/netns bind mount outlives the process unless removed, so it is
// removed on exit and on the signals that end a run early. The path lives
// in a fixed buffer because the signal handler may only read, not allocate.
char g_bound_path[256];

struct UsageError : std::runtime_error {
	using std::runtime_error::runtime_error;
};

struct Options {
	std::uint64_t tcp = 0;
	std::uint64_t udp = 0;
	std::uint64_t ethertypes = 0;
	std::uint64_t rate = 0;
	std::uint16_t port = 9;
	unsigned batch = 256;
	bool nft = false;
	bool json = false;
	bool wait_for_stdin = false;
	bool hold_netns = false;
	std::string netns_name;
};

const char *const kUsage =
	"usage: nettrace-drop-storm [--tcp N] [--udp N] [--ethertypes N] [--port P] [--nft]\n"
	"                           [--batch N] [--rate R] [--netns-name NAME]\n"
	"                           [--wait-for-stdin] [--hold-netns] [--json]\n"
	"\n"
	"Make N TCP and N UDP drops as fast as possible in a new network namespace.\n"
	"\n"
	"  --tcp N            raw TCP SYNs to a closed port (drop reason NO_SOCKET)\n"
	"  --udp N            UDP datagrams to a closed port (drop reason NO_SOCKET)\n"
	"  --ethertypes N     Ethernet frames of N ethertypes from 0x9000 on, dropped by a\n"
	"                     veth that has no handler for them (UNHANDLED_PROTO)\n"
	"  --port P           the closed destination port (default 9)\n"
	"  --nft              drop them with an nftables input rule (NETFILTER_DROP)\n"
	"  --batch N          packets per sendmmsg call (default 256, at most 1024)\n"
	"  --rate R           send R packets per second, not as fast as possible\n"
	"  --netns-name NAME  also bind the namespace to /run/netns/NAME while running\n"
	"  --wait-for-stdin   after printing the namespace, wait for one line on stdin\n"
	"  --hold-netns       after the storm, keep the namespace until stdin ends\n"
	"  --json             print JSON objects instead of text\n"
	"  -h, --help         print this summary\n";

template <typename T>
T parse_number(std::string_view option, std::string_view text, T min, T max)
{
	T value{};
	const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
	if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max)
		throw UsageError(fmt::format("{}: not a number from {} to {}: '{}'", option, min,
					     max, text));
	return value;
}

Options parse_options(int argc, char **argv)
{
	Options o;
	for (int i = 1; i < argc; ++i) {
		std::string_view arg = argv[i];
		std::string_view value;
		bool has_value = false;
		if (const auto eq = arg.find('='); arg.starts_with("--") && eq != arg.npos) {
			value = arg.substr(eq + 1);
			arg = arg.substr(0, eq);
			has_value = true;
		}
		const auto next = [&]() -> std::string_view {
			if (has_value)
				return value;
			if (i + 1 >= argc)
				throw UsageError(fmt::format("{} needs a value", arg));
			return argv[++i];
		};
		const auto no_value = [&] {
			if (has_value)
				throw UsageError(fmt::format("{} takes no value", arg));
		};
		if (arg == "--tcp") {
			o.tcp = parse_number<std::uint64_t>(arg, next(), 0, UINT64_MAX / 2);
		} else if (arg == "--udp") {
			o.udp = parse_number<std::uint64_t>(arg, next(), 0, UINT64_MAX / 2);
		} else if (arg == "--ethertypes") {
			o.ethertypes = parse_number<std::uint64_t>(arg, next(), 0, kEthertypeCount);
		} else if (arg == "--rate") {
			o.rate = parse_number<std::uint64_t>(arg, next(), 1, 100'000'000);
		} else if (arg == "--port") {
			o.port = parse_number<std::uint16_t>(arg, next(), 1, 65535);
		} else if (arg == "--batch") {
			// UIO_MAXIOV: sendmmsg takes no more at once.
			o.batch = parse_number<unsigned>(arg, next(), 1, 1024);
		} else if (arg == "--netns-name") {
			o.netns_name = next();
			if (o.netns_name.empty() || o.netns_name.find('/') != std::string::npos ||
			    o.netns_name == "." || o.netns_name == "..")
				throw UsageError("--netns-name: not a plain name: '" +
						 o.netns_name + "'");
			if (std::strlen(kNetnsDir) + 1 + o.netns_name.size() >=
			    sizeof(g_bound_path))
				throw UsageError("--netns-name: name too long");
		} else if (arg == "--nft") {
			no_value();
			o.nft = true;
		} else if (arg == "--json") {
			no_value();
			o.json = true;
		} else if (arg == "--wait-for-stdin") {
			no_value();
			o.wait_for_stdin = true;
		} else if (arg == "--hold-netns") {
			no_value();
			o.hold_netns = true;
		} else if (arg == "-h" || arg == "--help") {
			std::fputs(kUsage, stdout);
			std::exit(0);
		} else {
			throw UsageError(fmt::format("unknown option '{}' (see --help)", arg));
		}
	}
	if (o.tcp == 0 && o.udp == 0 && o.ethertypes == 0)
		throw UsageError("nothing to send: give --tcp N, --udp N or --ethertypes N");
	if (o.ethertypes && (o.tcp || o.udp || o.nft))
		throw UsageError("--ethertypes goes with neither --tcp, --udp nor --nft");
	return o;
}

[[noreturn]] void fail(const std::string &what)
{
	throw std::runtime_error(what + ": " + std::strerror(errno));
}

void unbind_netns()
{
	if (g_bound_path[0] == '\0')
		return;
	umount2(g_bound_path, MNT_DETACH);
	unlink(g_bound_path);
	g_bound_path[0] = '\0';
}

extern "C" void on_fatal_signal(int sig)
{
	unbind_netns();
	signal(sig, SIG_DFL);
	raise(sig);
}

void bind_netns(const std::string &name)
{
	const std::string path = std::string(kNetnsDir) + "/" + name;
	if (mkdir(kNetnsDir, 0755) != 0 && errno != EEXIST)
		fail(std::string("mkdir ") + kNetnsDir);
	const int fd = open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		fail("create " + path);
	close(fd);
	std::memcpy(g_bound_path, path.c_str(), path.size() + 1);
	if (mount("/proc/self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) {
		const int err = errno;
		unbind_netns();
		errno = err;
		fail("bind /proc/self/ns/net to " + path);
	}
}

void bring_loopback_up()
{
	const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("socket");
	ifreq ifr{};
	std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0)
		fail("get flags of lo");
	ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0)
		fail("set lo up");
	close(fd);
}

// Commands run as children and so inherit the new namespace: what they
// make there (an nft table, a veth pair) goes away with the namespace.
void run_command(std::vector<std::string> args, const std::string &what)
{
	std::vector<char *> argv;
	for (std::string &a : args)
		argv.push_back(a.data());
	argv.push_back(nullptr);
	pid_t pid = 0;
	if (const int err = posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ)) {
		errno = err;
		fail("run " + args[0]);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			fail("wait for " + args[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		throw std::runtime_error(args[0] + " could not " + what + " (exit status " +
					 std::to_string(WIFEXITED(status)
								? WEXITSTATUS(status)
								: 128 + WTERMSIG(status)) +
					 ")");
}

void add_nft_drop_rule(std::uint16_t port)
{
	run_command({"nft", fmt::format("add table inet {0}; "
					"add chain inet {0} input {{ type filter hook input "
					"priority 0; policy accept; }}; "
					"add rule inet {0} input tcp dport {1} drop; "
					"add rule inet {0} input udp dport {1} drop",
					kNftTable, port)},
		    "add the drop rule");
}

void add_veth_pair()
{
	run_command({"ip", "link", "add", kVethSend, "type", "veth", "peer", "name", kVethDrop},
		    "add a veth pair");
	for (const char *dev : {kVethSend, kVethDrop})
		run_command({"ip", "link", "set", dev, "up"}, "set the veth pair up");
}

std::uint64_t netns_inode()
{
	struct stat st {};
	if (stat("/proc/self/ns/net", &st) != 0)
		fail("stat /proc/self/ns/net");
	return st.st_ino;
}

// Reads up to the end of one line. End of input before it means whoever
// was to say "go" went away: no storm then.
void wait_for_go()
{
	char c = 0;
	for (;;) {
		const ssize_t n = read(STDIN_FILENO, &c, 1);
		if (n == 1 && c == '\n')
			return;
		if (n == 0)
			throw std::runtime_error("stdin closed before the go line");
		if (n < 0 && errno != EINTR)
			fail("read stdin");
	}
}

// A namespace's inode number is free for a new namespace once it ends, and
// a counter keyed by it would then count another's drops too: a reader
// holds it until it has read its counters.
void wait_for_end_of_stdin()
{
	char buf[64];
	for (;;) {
		const ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n == 0)
			return;
		if (n < 0 && errno != EINTR)
			fail("read stdin");
	}
}

std::uint16_t fold_checksum(std::uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return static_cast<std::uint16_t>(~sum);
}

// One's complement sum of big-endian 16-bit words, as RFC 1071 adds them.
std::uint32_t add_checksum(std::uint32_t sum, const void *data, std::size_t len)
{
	const auto *p = static_cast<const std::uint8_t *>(data);
	for (std::size_t i = 0; i + 1 < len; i += 2)
		sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += static_cast<std::uint32_t>(p[len - 1] << 8);
	return sum;
}

// Holds a sender to `rate` packets per second, counted from its first
// packet; a rate of 0 does not hold it at all. It sends in small chunks then,
// a hundredth of a second's worth, so the rate is steady.
class Pacer {
public:
	explicit Pacer(std::uint64_t rate) : rate_(rate) {}
	std::uint64_t chunk() const
	{
		return rate_ ? std::max<std::uint64_t>(1, rate_ / 100) : UINT64_MAX;
	}
	void wait(std::uint64_t sent)
	{
		if (!rate_)
			return;
		const auto now = std::chrono::steady_clock::now();
		if (sent == 0)
			start_ = now;
		const auto due = start_ + std::chrono::nanoseconds(sent * 1'000'000'000 / rate_);
		if (due > now)
			std::this_thread::sleep_until(due);
	}

private:
	std::uint64_t rate_;
	std::chrono::steady_clock::time_point start_;
};

struct SynPacket {
	iphdr ip;
	tcphdr tcp;
} __attribute__((packed));

// A batch of sendmmsg messages that all go to one address.
class Batch {
public:
	Batch(unsigned size, const sockaddr_in &to) : to_(to), iov_(size), msgs_(size)
	{
		for (unsigned i = 0; i < size; ++i) {
			msgs_[i].msg_hdr.msg_name = &to_;
			msgs_[i].msg_hdr.msg_namelen = sizeof(to_);
			msgs_[i].msg_hdr.msg_iov = &iov_[i];
			msgs_[i].msg_hdr.msg_iovlen = 1;
		}
	}
	void set(unsigned i, const void *data, std::size_t len)
	{
		iov_[i] = {const_cast<void *>(data), len};
	}

	// Sends `count` packets, reusing the batch. A full socket buffer blocks
	// rather than fails, so every packet counted was handed to the kernel.
	void send(int fd, std::uint64_t count, Pacer &pacer)
	{
		const auto size = std::min(static_cast<std::uint64_t>(msgs_.size()), pacer.chunk());
		std::uint64_t sent = 0;
		while (sent < count) {
			pacer.wait(sent);
			const auto n = static_cast<unsigned>(std::min(size, count - sent));
			const int done = sendmmsg(fd, msgs_.data(), n, 0);
			if (done < 0) {
				if (errno == EINTR)
					continue;
				fail("sendmmsg");
			}
			sent += static_cast<std::uint64_t>(done);
		}
	}

private:
	sockaddr_in to_;
	std::vector<iovec> iov_;
	std::vector<mmsghdr> msgs_;
};

sockaddr_in loopback(std::uint16_t port)
{
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

void storm_tcp(const Options &o, Pacer &pacer)
{
	const int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0)
		fail("raw socket");
	std::vector<SynPacket> packets(o.batch);
	Batch batch(o.batch, loopback(o.port));
	in_addr source{};
	inet_pton(AF_INET, "198.18.0.1", &source);
	for (unsigned i = 0; i < o.batch; ++i) {
		SynPacket &p = packets[i];
		std::memset(&p, 0, sizeof(p));
		p.ip.version = 4;
		p.ip.ihl = 5;
		p.ip.ttl = 64;
		p.ip.protocol = IPPROTO_TCP;
		p.ip.tot_len = htons(sizeof(SynPacket));
		p.ip.saddr = source.s_addr;
		p.ip.daddr = htonl(INADDR_LOOPBACK);
		// The kernel fills in the IP checksum (and the id) of IP_HDRINCL
		// packets; the TCP one is ours.
		p.tcp.source = htons(static_cast<std::uint16_t>(40000 + i % 20000));
		p.tcp.dest = htons(o.port);
		p.tcp.seq = htonl(1000 + i);
		p.tcp.doff = sizeof(tcphdr) / 4;
		p.tcp.syn = 1;
		p.tcp.window = htons(1024);
		std::uint32_t sum = add_checksum(0, &p.ip.saddr, 8);
		sum += IPPROTO_TCP + sizeof(tcphdr);
		sum = add_checksum(sum, &p.tcp, sizeof(tcphdr));
		p.tcp.check = htons(fold_checksum(sum));
		batch.set(i, &p, sizeof(p));
	}
	batch.send(fd, o.tcp, pacer);
	close(fd);
}

void storm_udp(const Options &o, Pacer &pacer)
{
	const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("udp socket");
	// Unconnected on purpose: a connected socket would take the ICMP
	// errors that come back as its own and fail the next send.
	static const char payload[] = "nettrace-drop-storm";
	Batch batch(o.batch, loopback(o.port));
	for (unsigned i = 0; i < o.batch; ++i)
		batch.set(i, payload, sizeof(payload));
	batch.send(fd, o.udp, pacer);
	close(fd);
}

// Broadcast frames: a veth passes them up whatever its address. One send
// per frame; each goes through the peer's receive path before sendto
// returns, as veth hands it on at once.
void storm_ethertypes(const Options &o, Pacer &pacer)
{
	const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("packet socket");
	sockaddr_ll to{};
	to.sll_family = AF_PACKET;
	to.sll_ifindex = static_cast<int>(if_nametoindex(kVethSend));
	if (to.sll_ifindex == 0)
		fail(std::string("find ") + kVethSend);
	std::uint8_t frame[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1};
	for (std::uint64_t i = 0; i < o.ethertypes; ++i) {
		pacer.wait(i);
		const auto type = static_cast<std::uint16_t>(kFirstEthertype + i);
		frame[12] = static_cast<std::uint8_t>(type >> 8);
		frame[13] = static_cast<std::uint8_t>(type & 0xff);
		while (sendto(fd, frame, sizeof(frame), 0, reinterpret_cast<const sockaddr *>(&to),
			      sizeof(to)) != static_cast<ssize_t>(sizeof(frame)))
			if (errno != EINTR && errno != ENOBUFS)
				fail("send a frame");
	}
	close(fd);
}

std::string json_string(const std::string &s)
{
	std::string out = "\"";
	for (const char c : s) {
		if (c == '"' || c == '\\')
			out += '\\';
		out += c;
	}
	return out + "\"";
}

int run(const Options &o)
{
	if (unshare(CLONE_NEWNET) != 0)
		fail("unshare the network namespace");
	bring_loopback_up();
	if (o.nft)
		add_nft_drop_rule(o.port);
	if (o.ethertypes)
		add_veth_pair();
	if (!o.netns_name.empty()) {
		for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE})
			std::signal(sig, on_fatal_signal);
		bind_netns(o.netns_name);
	}

	const std::uint64_t inode = netns_inode();
	const std::string path = o.netns_name.empty() ? "" : g_bound_path;
	if (o.json)
		fmt::print("{{\"netns_inode\":{},\"netns_path\":{}}}\n", inode,
			   path.empty() ? "null" : json_string(path));
	else
		fmt::print("netns {}{}{}\n", inode, path.empty() ? "" : " ", path);
	std::fflush(stdout);

	if (o.wait_for_stdin)
		wait_for_go();

	const auto start = std::chrono::steady_clock::now();
	Pacer pacer(o.rate);
	if (o.tcp)
		storm_tcp(o, pacer);
	if (o.udp)
		storm_udp(o, pacer);
	if (o.ethertypes)
		storm_ethertypes(o, pacer);
	const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;

	const std::uint64_t drops = o.tcp + o.udp + o.ethertypes;
	const double seconds = took.count();
	const double rate = seconds > 0 ? static_cast<double>(drops) / seconds : 0.0;
	const char *reason = o.ethertypes ? "UNHANDLED_PROTO"
			     : o.nft      ? "NETFILTER_DROP"
					  : "NO_SOCKET";
	if (o.json)
		fmt::print("{{\"drops\":{},\"tcp\":{},\"udp\":{},\"ethertypes\":{},\"port\":{},"
			   "\"reason\":\"{}\",\"seconds\":{:.6f},\"drops_per_second\":{:.0f}}}\n",
			   drops, o.tcp, o.udp, o.ethertypes, o.port, reason, seconds, rate);
	else
		fmt::print("{} drops ({} tcp, {} udp, {} ethertypes, port {}, {}) in {:.3f} s: "
			   "{:.0f} drops/s\n",
			   drops, o.tcp, o.udp, o.ethertypes, o.port, reason, seconds, rate);
	std::fflush(stdout);
	if (o.hold_netns)
		wait_for_end_of_stdin();
	unbind_netns();
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	Options o;
	try {
		o = parse_options(argc, argv);
	} catch (const UsageError &e) {
		fmt::print(stderr, "{}: {}\n", kProgram, e.what());
		return kExitUsage;
	}
	try {
		return run(o);
	} catch (const std::exception &e) {
		unbind_netns();
		fmt::print(stderr, "{}: {}\n", kProgram, e.what());
		return kExitRuntime;
	}
}
