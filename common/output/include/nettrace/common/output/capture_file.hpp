// SPDX-License-Identifier: MIT
// -w FILE: packets as a pcapng capture any Wireshark reads, each with why
// it was captured in its own options (opt_comment), its direction
// (epb_flags), an id (epb_packetid) and the records lost before it
// (epb_dropcount); at the end, one Interface Statistics Block per
// interface with the totals.
//
// An interface is a device in a namespace and the way its bytes start
// (link header or IP header): one Interface Description Block each,
// written when its first packet comes, named like "veth0@blue" after the
// namespace's name under /run/netns (else "netns:[inode]").
#pragma once

#include <nettrace/capture.h>
#include <nettrace/common/output/pcapng_writer.hpp>
#include <nettrace/common/output/writer.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace nettrace {

// Opens where -w says, before anything is attached: "-" is standard
// output, anything else a file, made or emptied (as tcpdump does). Throws
// RuntimeError naming the path and why it cannot be written.
int open_capture_output(const std::string &path);

// One packet for the capture.
struct CapturedPacket {
	std::uint32_t netns = 0;
	std::uint32_t ifindex = 0;
	std::string_view device; // its name, empty when not known
	std::int64_t wall_ns = 0;
	const nt_capture_head *head = nullptr;
	const std::uint8_t *bytes = nullptr; // head->caplen of them, at most max_bytes
	std::size_t max_bytes = 0;
	std::optional<std::uint64_t> packet_id; // else a running number
	std::string_view comment;
};

class CaptureFile {
public:
	// Writes the section header, naming `application`, into `fd`, which
	// it owns from now on (unless it is standard output).
	CaptureFile(int fd, std::uint32_t snaplen, std::string_view application);
	~CaptureFile();
	CaptureFile(const CaptureFile &) = delete;
	CaptureFile &operator=(const CaptureFile &) = delete;

	void packet(const CapturedPacket &p);
	// Records lost since the last report: counted on the next packet.
	void lost(std::uint64_t records) { lost_pending_ += records; }
	// After each batch of records: out to the reader at once, so that one
	// reading a pipe (tshark -r -) sees each packet as it comes.
	void batch_done() { out_.flush(); }
	// As OutputWriter::give_up_after: a reader that stops taking the
	// capture must not hold a run with --duration past its end.
	void give_up_after(std::chrono::nanoseconds duration) { out_.give_up_after(duration); }
	// The statistics blocks, then everything out; throws RuntimeError if
	// a write failed.
	void finish();
	bool closed() const { return out_.closed(); }
	std::uint64_t packets() const { return packets_; }

private:
	struct Interface {
		std::uint32_t id;
		std::uint64_t delivered = 0;
		std::uint64_t lost = 0;
	};
	Interface &interface_of(const CapturedPacket &p);

	int fd_;
	OutputWriter out_;
	pcapng::PcapngWriter pcap_;
	std::uint32_t snaplen_;
	std::int64_t start_ns_;
	// By namespace, device index and link type: a map node's address
	// stays put, so in_order_ and last_ may point at it.
	std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint8_t>, Interface> interfaces_;
	std::vector<Interface *> in_order_;
	Interface *last_ = nullptr;
	std::uint64_t packets_ = 0;
	std::uint64_t lost_pending_ = 0;
};

} // namespace nettrace
