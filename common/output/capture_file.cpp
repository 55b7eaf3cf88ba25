// SPDX-License-Identifier: MIT
#include <nettrace/common/output/capture_file.hpp>

#include <nettrace/common/output/clock.hpp>
#include <nettrace/errors.hpp>

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nettrace {

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

CaptureFile::CaptureFile(int fd, std::uint32_t snaplen, std::string_view application)
    : fd_(fd), out_(fd), pcap_(out_), snaplen_(snaplen), start_ns_(wall_clock_ns())
{
	pcap_.section_header(application);
}

CaptureFile::~CaptureFile()
{
	if (fd_ != STDOUT_FILENO)
		close(fd_);
}

CaptureFile::Interface &CaptureFile::interface_of(const CapturedPacket &p)
{
	const auto key = std::make_tuple(p.netns, p.ifindex, p.head->link);
	if (auto it = interfaces_.find(key); it != interfaces_.end())
		return it->second;
	// The device, else its index in its namespace, which may be one
	// nettrace cannot look into.
	const std::string device = !p.device.empty() ? std::string(p.device)
				   : p.ifindex       ? fmt::format("ifindex {}", p.ifindex)
						     : std::string("no device");
	const std::string netns = netns_name(p.netns);
	const bool ethernet = p.head->link == NT_CAPTURE_LINK_ETHERNET;
	const std::string name = fmt::format("{}@{}", device, netns);
	const std::string description = fmt::format(
		"{} (ifindex {}) in network namespace {} (inode {}), from the {} header", device,
		p.ifindex, netns, p.netns, ethernet ? "Ethernet" : "IP");
	const std::uint32_t id =
		pcap_.interface(ethernet ? pcapng::LinkType::Ethernet : pcapng::LinkType::Raw,
				snaplen_, name, description);
	Interface &added = interfaces_.emplace(key, Interface{id}).first->second;
	in_order_.push_back(&added);
	return added;
}

void CaptureFile::packet(const CapturedPacket &p)
{
	Interface &iface = interface_of(p);
	const std::string_view comments[] = {p.comment};
	pcapng::Packet block;
	block.interface = iface.id;
	block.time_ns = p.wall_ns;
	block.data = {p.bytes, p.head->caplen <= p.max_bytes ? p.head->caplen : p.max_bytes};
	block.original_length = p.head->origlen;
	block.direction = p.head->direction == NT_CAPTURE_OUTBOUND  ? pcapng::Direction::Outbound
			  : p.head->direction == NT_CAPTURE_INBOUND ? pcapng::Direction::Inbound
								    : pcapng::Direction::Unknown;
	++packets_;
	block.packet_id = p.packet_id ? *p.packet_id : packets_;
	// Lost records are not known by interface: they count where the
	// packet after them is.
	if (lost_pending_) {
		block.drop_count = lost_pending_;
		iface.lost += lost_pending_;
		lost_pending_ = 0;
	}
	block.comments = comments;
	pcap_.packet(block);
	++iface.delivered;
	last_ = &iface;
	out_.event_done();
}

void CaptureFile::finish()
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

} // namespace nettrace
