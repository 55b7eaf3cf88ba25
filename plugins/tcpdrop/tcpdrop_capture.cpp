// SPDX-License-Identifier: MIT
#include "tcpdrop_capture.hpp"

#include "tcpdrop_report.hpp"

#include <nettrace/common/output/append.hpp>

#include <cstring>

namespace nettrace::tcpdrop {

CaptureWriter::CaptureWriter(int fd, std::uint32_t snaplen, LiveKernelSymbols &symbols,
			     const DropReasons &reasons, const KernelClock &clock)
    : file_(fd, snaplen, "nettrace tcpdrop"), frames_(symbols), stacks_(frames_, ""),
      reasons_(reasons), clock_(clock)
{
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
	describe(e, kind);
	file_.packet({.netns = e.netns,
		      .ifindex = e.ifindex,
		      .device = devices_.name(e),
		      .wall_ns = clock_.to_wall_ns(e.ktime_ns),
		      .head = &c.head,
		      .bytes = c.data,
		      .max_bytes = sizeof(c.data),
		      .packet_id = std::nullopt,
		      .comment = std::string_view(comment_.data(), comment_.size())});
}

} // namespace nettrace::tcpdrop
