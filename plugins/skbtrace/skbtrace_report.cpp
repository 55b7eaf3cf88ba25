// SPDX-License-Identifier: MIT
#include "skbtrace_report.hpp"
#include "skbtrace_attach.hpp"

#include <nettrace/common/output/append.hpp>
#include <nettrace/common/output/json_line.hpp>

#include <fmt/ranges.h>

#include <arpa/inet.h>
#include <cstring>
#include <time.h>

namespace nettrace::skbtrace {

namespace {

const char *protocol_name(const nt_packet &p)
{
	switch (p.l4proto) {
	case 6:
		return "TCP";
	case 17:
		return "UDP";
	case 1:
		return "ICMP";
	case 58:
		return "ICMPv6";
	case 132:
		return "SCTP";
	default:
		return nullptr;
	}
}

// "10.0.0.1:80 > 10.0.0.2:41000 TCP", "fd00::1 > fd00::2 ICMPv6", or "-"
// for a packet that is not IP.
void append_tuple(fmt::memory_buffer &out, const nt_packet &p)
{
	if (!p.family) {
		out.push_back('-');
		return;
	}
	const int af = p.family == NT_AF_INET6 ? AF_INET6 : AF_INET;
	char s[INET6_ADDRSTRLEN] = "?", d[INET6_ADDRSTRLEN] = "?";
	inet_ntop(af, p.saddr, s, sizeof(s));
	inet_ntop(af, p.daddr, d, sizeof(d));
	const char *pattern = !p.has_ports     ? "{}{}{} > {}{}{}"
			      : af == AF_INET6 ? "[{}]:{}{} > [{}]:{}{}"
					       : "{}:{}{} > {}:{}{}";
	if (p.has_ports)
		append(out, fmt::runtime(pattern), s, p.sport, "", d, p.dport, "");
	else
		append(out, fmt::runtime(pattern), s, "", "", d, "", "");
	if (const char *name = protocol_name(p))
		append(out, " {}", name);
	else
		append(out, " proto {}", p.l4proto);
}

bool same_tuple(const nt_packet &a, const nt_packet &b)
{
	return a.family == b.family && a.l4proto == b.l4proto && a.sport == b.sport &&
	       a.dport == b.dport && std::equal(a.saddr, a.saddr + 16, b.saddr) &&
	       std::equal(a.daddr, a.daddr + 16, b.daddr);
}

bool is_end(const skbtrace_event &e)
{
	return e.kind == SKBTRACE_DROP || e.kind == SKBTRACE_CONSUME || e.kind == SKBTRACE_FREED;
}

std::uint64_t monotonic_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + ts.tv_nsec;
}

} // namespace

Reporter::Reporter(OutputWriter &out, LiveKernelSymbols &symbols, const DropReasons &reasons,
		   bool json, std::function<void(std::uint64_t)> forget, CaptureFile *capture)
    : out_(out), symbols_(symbols), frames_(symbols), stacks_(frames_, "        "),
      reasons_(reasons), json_(json), forget_(std::move(forget)), capture_(capture)
{
}

// One sighting in the capture, its packet's id as epb_packetid so that
// Wireshark groups the sightings of one packet, and where it was seen in
// its comment: "ip_rcv", "skb:kfree_skb; drop NETFILTER_DROP (12) at ...".
void Reporter::write_capture(std::uint64_t id, const Packet &p, const skbtrace_event &e,
			     const nt_capture_head &c, std::size_t max_bytes, std::string_view end)
{
	if (!c.caplen)
		return;
	comment_.clear();
	append(comment_, "{}", point_name(e));
	if (e.kind == SKBTRACE_COPY && p.copy_of)
		append(comment_, "; a copy of packet {}", p.copy_of);
	if (!end.empty())
		append(comment_, "; {}", end);
	if (e.kind == SKBTRACE_DROP && (e.flags & SKBTRACE_HAS_REASON))
		append(comment_, " {} ({})", reasons_.name(e.reason), e.reason);
	if (!end.empty() && e.location)
		append(comment_, " at {}", stacks_.frame(e.location));
	capture_->packet({.netns = e.netns,
			  .ifindex = e.ifindex,
			  .device = std::string_view(e.ifname, strnlen(e.ifname, sizeof(e.ifname))),
			  .wall_ns = clock_.to_wall_ns(e.ktime_ns),
			  .head = &c,
			  .bytes = reinterpret_cast<const std::uint8_t *>(&c + 1),
			  .max_bytes = max_bytes,
			  .packet_id = id,
			  .comment = std::string_view(comment_.data(), comment_.size())});
}

std::string_view Reporter::point_name(const skbtrace_event &e)
{
	switch (e.kind) {
	case SKBTRACE_TRACEPOINT:
		return e.where < tracepoint_names().size()
			       ? std::string_view(tracepoint_names()[e.where])
			       : std::string_view("?");
	case SKBTRACE_DROP:
		return "skb:kfree_skb";
	case SKBTRACE_CONSUME:
		return "skb:consume_skb";
	default:
		break;
	}
	// A function: the address lies a few bytes into it.
	auto [it, added] = functions_.try_emplace(e.where);
	if (added) {
		const auto symbol = symbols_.table().resolve(e.where);
		it->second = symbol ? std::string(symbol->name) : fmt::format("{:#x}", e.where);
	}
	return it->second;
}

// What ended the packet, as both outputs name it.
std::string_view Reporter::end_name(const Packet &p, const skbtrace_event &e)
{
	switch (e.kind) {
	case SKBTRACE_DROP:
		return "drop";
	case SKBTRACE_FREED:
		return "freed";
	case SKBTRACE_CONSUME:
		// Handed to a device's driver and never seen again in this
		// host: it left through that device.
		if (p.last.kind == SKBTRACE_TRACEPOINT &&
		    point_name(p.last) == std::string_view("net:net_dev_xmit"))
			return "transmit";
		return "consume";
	default:
		return "";
	}
}

void Reporter::record(const skbtrace_event &e, const __u64 *stack, std::size_t frames,
		      const nt_capture_head *captured, std::size_t max_bytes)
{
	// The kernel's ids are unique, not consecutive: shown as 1, 2, ...
	const auto [known, fresh] = shown_ids_.try_emplace(e.packet_id, shown_ids_given_ + 1);
	shown_ids_given_ += fresh;
	const std::uint64_t id = known->second;
	// A first sighting of an address another packet still holds: that
	// one's end passed no point we see, and its sk_buff was given anew.
	if (e.flags & SKBTRACE_FIRST) {
		const auto old = by_skb_.find(e.skb);
		if (old != by_skb_.end() && old->second != id) {
			const std::uint64_t old_id = old->second;
			by_skb_.erase(old);
			if (auto p = packets_.find(old_id); p != packets_.end()) {
				close(old_id, p->second, "lost sight (its sk_buff was reused)");
				packets_.erase(p);
			}
		}
	}
	auto [it, added] = packets_.try_emplace(id);
	Packet &p = it->second;
	if (added) {
		p.first_ns = e.ktime_ns;
		p.skb = e.skb;
		p.kernel_id = e.packet_id;
		by_skb_[e.skb] = id;
		if (e.kind == SKBTRACE_COPY)
			note_copy(id, p, e.location);
	}
	p.last_ns = e.ktime_ns;
	const bool end = is_end(e);
	if (capture_ && captured)
		write_capture(id, p, e, *captured, max_bytes,
			      end ? end_name(p, e) : std::string_view());
	if (json_) {
		json_record(id, p, e, stack, frames, end ? end_name(p, e) : std::string_view());
		p.last = e;
	} else {
		if (p.sightings.size() < max_kept_sightings || end)
			p.sightings.push_back({e, std::vector<__u64>(stack, stack + frames)});
		else
			++p.not_kept;
		if (!end)
			p.last = e;
	}
	if (!end)
		return;
	if (!json_)
		text_block(id, p, end_name(p, e));
	++packets_done_;
	if (auto s = by_skb_.find(p.skb); s != by_skb_.end() && s->second == id)
		by_skb_.erase(s);
	shown_ids_.erase(p.kernel_id);
	packets_.erase(it);
}

// A copy's first sighting names, by the kernel's id, the packet it
// copies: still followed, since it was just copied.
void Reporter::note_copy(std::uint64_t id, Packet &copy, std::uint64_t parent_kernel_id)
{
	const auto parent = shown_ids_.find(parent_kernel_id);
	if (parent == shown_ids_.end())
		return;
	copy.copy_of = parent->second;
	if (auto p = packets_.find(parent->second); p != packets_.end() && !json_)
		p->second.copies.push_back(id);
}

void Reporter::close(std::uint64_t id, Packet &p, std::string_view why)
{
	++packets_done_;
	shown_ids_.erase(p.kernel_id);
	if (!json_) {
		text_block(id, p, why);
		return;
	}
	nlohmann::ordered_json j;
	j["type"] = "end";
	j["packet"] = id;
	j["end"] = why;
	j["since_first_us"] = (p.last_ns - p.first_ns) / 1000.0;
	append_json_line(out_.buffer(), j);
	out_.event_done();
}

void Reporter::sweep(std::chrono::nanoseconds idle)
{
	const std::uint64_t now = monotonic_ns();
	for (auto it = packets_.begin(); it != packets_.end();) {
		Packet &p = it->second;
		if (now - p.last_ns < static_cast<std::uint64_t>(idle.count())) {
			++it;
			continue;
		}
		forget_(p.skb);
		if (auto s = by_skb_.find(p.skb); s != by_skb_.end() && s->second == it->first)
			by_skb_.erase(s);
		close(it->first, p,
		      "lost sight (no end seen; its free passed no point "
		      "this kernel lets skbtrace see)");
		it = packets_.erase(it);
	}
}

void Reporter::finish()
{
	for (auto &[id, p] : packets_)
		close(id, p, "still followed when nettrace stopped");
	packets_.clear();
	by_skb_.clear();
}

void Reporter::text_block(std::uint64_t id, const Packet &p, std::string_view why)
{
	fmt::memory_buffer &out = out_.buffer();
	const skbtrace_event &first = p.sightings.front().e;
	append(out, "PACKET {}  ", id);
	append_tuple(out, first.packet);
	append(out, "  first seen ");
	format_local_hms(out, clock_.to_wall_ns(first.ktime_ns));
	append(out, " at {}", point_name(first));
	if (p.copy_of)
		append(out, ", a copy of packet {}", p.copy_of);
	out.push_back('\n');
	append(out, "  {:>10}  {:<32} {:<10} {:<16} {:>5} {:>10}  {}\n", "+USEC", "POINT", "NETNS",
	       "DEVICE", "LEN", "MARK", "TUPLE (when it changes)");
	const skbtrace_event *previous = nullptr;
	for (const Sighting &s : p.sightings) {
		text_line(p, s, previous);
		previous = &s.e;
	}
	if (p.not_kept)
		append(out, "  ... {} more sightings not kept\n", p.not_kept);
	if (!p.copies.empty())
		append(out, "  COPIED to packet{} {}\n", p.copies.size() > 1 ? "s" : "",
		       fmt::join(p.copies, ", "));
	const Sighting &last = p.sightings.back();
	if (!is_end(last.e)) {
		append(out, "  END {}\n\n", why);
		out_.event_done();
		return;
	}
	const skbtrace_event &e = last.e;
	append(out, "  END {}", why);
	if (e.kind == SKBTRACE_DROP) {
		if (e.flags & SKBTRACE_HAS_REASON)
			append(out, " {} ({})", reasons_.name(e.reason), e.reason);
		append(out, " at {}", stacks_.frame(e.location));
	} else if (e.kind == SKBTRACE_CONSUME && why == "transmit") {
		append(out, " on {}", p.last.ifname[0] ? p.last.ifname : "?");
	} else if (e.kind == SKBTRACE_FREED) {
		append(out, " by {} (no free tracepoint fired)", point_name(e));
	} else if (e.location) {
		append(out, " at {}", stacks_.frame(e.location));
	}
	out.push_back('\n');
	if (!last.stack.empty())
		stacks_.text(out, e.location, last.stack.data(), last.stack.size());
	out.push_back('\n');
	out_.event_done();
}

void Reporter::text_line(const Packet &p, const Sighting &s, const skbtrace_event *previous)
{
	fmt::memory_buffer &out = out_.buffer();
	const skbtrace_event &e = s.e;
	append(out, "  {:>10.3f}  {:<32} {:<10} {:<16} {:>5} {:>10}  ",
	       (e.ktime_ns - p.first_ns) / 1000.0, point_name(e), e.netns,
	       e.ifname[0] ? e.ifname : "-", e.len, e.mark);
	if (!previous || !same_tuple(previous->packet, e.packet))
		append_tuple(out, e.packet);
	out.push_back('\n');
}

void Reporter::json_record(std::uint64_t id, const Packet &p, const skbtrace_event &e,
			   const __u64 *stack, std::size_t frames, std::string_view end)
{
	nlohmann::ordered_json j;
	char s[INET6_ADDRSTRLEN] = "", d[INET6_ADDRSTRLEN] = "";
	j["type"] = end.empty() ? "sighting" : "end";
	j["packet"] = id;
	scratch_.clear();
	format_rfc3339(scratch_, clock_.to_wall_ns(e.ktime_ns));
	j["time"] = std::string_view(scratch_.data(), scratch_.size());
	j["since_first_us"] = (e.ktime_ns - p.first_ns) / 1000.0;
	j["first"] = (e.flags & SKBTRACE_FIRST) != 0;
	j["point"] = point_name(e);
	j["point_kind"] = e.kind == SKBTRACE_COPY                                   ? "copy"
			  : e.kind == SKBTRACE_FUNCTION || e.kind == SKBTRACE_FREED ? "function"
										    : "tracepoint";
	if (e.kind == SKBTRACE_COPY && p.copy_of)
		j["copy_of"] = p.copy_of;
	j["netns"] = e.netns;
	j["ifindex"] = e.ifindex;
	if (e.ifname[0])
		j["ifname"] = std::string_view(e.ifname, strnlen(e.ifname, sizeof(e.ifname)));
	else
		j["ifname"] = nullptr;
	j["len"] = e.len;
	j["mark"] = e.mark;
	j["cpu"] = e.cpu;
	if (e.packet.family) {
		const int af = e.packet.family == NT_AF_INET6 ? AF_INET6 : AF_INET;
		inet_ntop(af, e.packet.saddr, s, sizeof(s));
		inet_ntop(af, e.packet.daddr, d, sizeof(d));
		j["ip"] = af == AF_INET6 ? 6 : 4;
		j["protocol"] = e.packet.l4proto;
		j["saddr"] = s;
		j["daddr"] = d;
		if (e.packet.has_ports) {
			j["sport"] = e.packet.sport;
			j["dport"] = e.packet.dport;
		}
	} else {
		j["ip"] = nullptr;
	}
	if (!end.empty()) {
		j["end"] = end;
		if (e.kind == SKBTRACE_DROP && (e.flags & SKBTRACE_HAS_REASON)) {
			j["reason"] = reasons_.name(e.reason);
			j["reason_code"] = e.reason;
		}
		if (e.location)
			j["location"] = stacks_.frame(e.location);
		if (end == "transmit" && p.last.ifname[0])
			j["device"] =
				std::string_view(p.last.ifname,
						 strnlen(p.last.ifname, sizeof(p.last.ifname)));
		if (frames)
			j["stack"] = stacks_.json(e.location, stack, frames);
	}
	append_json_line(out_.buffer(), j);
	out_.event_done();
}

} // namespace nettrace::skbtrace
