// SPDX-License-Identifier: MIT
#include "tcpdrop_capture.hpp"

#include "tcpdrop_report.hpp"

#include <nettrace/common/output/append.hpp>
#include <nettrace/errors.hpp>

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nettrace::tcpdrop {

namespace {

// The name `ip netns` gave the namespace with inode `inode`, else the form
// `ls -l /proc/PID/ns` shows, which --netns takes too. Looked up once per
// interface, never per packet.
std::string netns_name(std::uint32_t inode)
{
	if (!inode)
		return "netns:[?]";
	if (DIR *dir = opendir("/run/netns")) {
		std::string found;
		while (const dirent *entry = readdir(dir)) {
			struct stat st {};
			if (entry->d_name[0] == '.' ||
			    fstatat(dirfd(dir), entry->d_name, &st, 0) != 0)
				continue;
			if (st.st_ino == inode) {
				found = entry->d_name;
				break;
			}
		}
		closedir(dir);
		if (!found.empty())
			return found;
	}
	return fmt::format("netns:[{}]", inode);
}

} // namespace

int open_capture_output(const std::string &path)
{
	if (path == "-")
		return STDOUT_FILENO;
	const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		throw RuntimeError(
			fmt::format("-w: cannot write '{}': {}", path, std::strerror(errno)));
	return fd;
}

CaptureWriter::CaptureWriter(int fd, std::uint32_t snaplen, LiveKernelSymbols &symbols,
			     const DropReasons &reasons, const KernelClock &clock)
    : fd_(fd), out_(fd), pcap_(out_), snaplen_(snaplen), frames_(symbols), stacks_(frames_, ""),
      reasons_(reasons), clock_(clock), start_ns_(wall_clock_ns())
{
	pcap_.section_header("nettrace tcpdrop");
}

CaptureWriter::~CaptureWriter()
{
	if (fd_ != STDOUT_FILENO)
		close(fd_);
}

CaptureWriter::Interface &CaptureWriter::interface_of(const tcpdrop_event &e,
						      const tcpdrop_capture &c)
{
	const auto key = std::make_tuple(e.netns, e.ifindex, c.link);
	if (auto it = interfaces_.find(key); it != interfaces_.end())
		return it->second;
	// Named as the text output names them: the device, else its index in
	// its namespace, which may be one nettrace cannot look into.
	const std::string_view device = devices_.name(e);
	const std::string shown_device = !device.empty() ? std::string(device)
					 : e.ifindex     ? fmt::format("ifindex {}", e.ifindex)
							 : std::string("no device");
	const std::string netns = netns_name(e.netns);
	const bool ethernet = c.link == TCPDROP_LINK_ETHERNET;
	const std::string name = fmt::format("{}@{}", shown_device, netns);
	const std::string description = fmt::format(
		"{} (ifindex {}) in network namespace {} (inode {}), from the {} header",
		shown_device, e.ifindex, netns, e.netns, ethernet ? "Ethernet" : "IP");
	const std::uint32_t id =
		pcap_.interface(ethernet ? pcapng::LinkType::Ethernet : pcapng::LinkType::Raw,
				snaplen_, name, description);
	Interface &added = interfaces_.emplace(key, Interface{id}).first->second;
	in_order_.push_back(&added);
	return added;
}

// "reason NO_SOCKET (2); location tcp_v4_rcv+0x1f0; state LISTEN; pid 42;
// comm curl": what the text output says of a drop, in one line.
void CaptureWriter::describe(const tcpdrop_event &e, FreeKind kind)
{
	comment_.clear();
	if (e.flags & TCPDROP_HAS_REASON)
		append(comment_, "reason {} ({})", reasons_.name(e.reason), e.reason);
	else
		append(comment_, "reason - (-)");
	if (kind != FreeKind::Drop)
		append(comment_, "; kind {}", free_kind_name(kind));
	append(comment_, "; location {}", stacks_.frame(e.location));
	append(comment_, "; state {}", tcp_state_name(e.flags & TCPDROP_HAS_SOCKET ? e.state : 0));
	append(comment_, "; pid {}; comm {}", e.pid,
	       std::string_view(e.comm, strnlen(e.comm, sizeof(e.comm))));
}

void CaptureWriter::packet(const tcpdrop_event &e, FreeKind kind, const tcpdrop_capture &c)
{
	Interface &iface = interface_of(e, c);
	describe(e, kind);
	const std::string_view comments[] = {std::string_view(comment_.data(), comment_.size())};
	pcapng::Packet p;
	p.interface = iface.id;
	p.time_ns = clock_.to_wall_ns(e.ktime_ns);
	p.data = {c.data, c.caplen <= sizeof(c.data) ? c.caplen : sizeof(c.data)};
	p.original_length = c.origlen;
	p.direction = c.direction == TCPDROP_OUTBOUND  ? pcapng::Direction::Outbound
		      : c.direction == TCPDROP_INBOUND ? pcapng::Direction::Inbound
						       : pcapng::Direction::Unknown;
	p.packet_id = ++packets_;
	// Lost events are not known by interface: they count where the
	// packet after them is.
	if (lost_pending_) {
		p.drop_count = lost_pending_;
		iface.lost += lost_pending_;
		lost_pending_ = 0;
	}
	p.comments = comments;
	pcap_.packet(p);
	++iface.delivered;
	last_ = &iface;
	out_.event_done();
}

void CaptureWriter::lost(std::uint64_t events)
{
	lost_pending_ += events;
}

void CaptureWriter::finish()
{
	// Losses after the last packet go to the interface it was on.
	if (last_) {
		last_->lost += lost_pending_;
		lost_pending_ = 0;
	}
	const std::int64_t end_ns = wall_clock_ns();
	for (const Interface *iface : in_order_)
		pcap_.statistics({.interface = iface->id,
				  .time_ns = end_ns,
				  .start_ns = start_ns_,
				  .end_ns = end_ns,
				  .received = iface->delivered + iface->lost,
				  .os_dropped = iface->lost,
				  .delivered = iface->delivered});
	// Said as the capture's, not standard output's, when both are written.
	out_.flush();
	if (!out_.write_error().empty())
		throw RuntimeError("-w: cannot write the capture: " + out_.write_error());
}

} // namespace nettrace::tcpdrop
