// SPDX-License-Identifier: MIT
#include "tcpdrop_report.hpp"

#include <nettrace/common/output/append.hpp>
#include <nettrace/common/output/json_line.hpp>
#include <nettrace/filter_spec.h>

#include <arpa/inet.h>
#include <array>
#include <string_view>

namespace nettrace::tcpdrop {

namespace {

constexpr std::array<const char *, 8> flag_names = {"FIN", "SYN", "RST", "PSH",
						    "ACK", "URG", "ECE", "CWR"};

// An address as text, into a caller's buffer: no allocation per event.
std::string_view format_addr(char (&buf)[INET6_ADDRSTRLEN], const tcpdrop_event &e,
			     const __u8 *addr)
{
	const int af = e.family == NT_AF_INET6 ? AF_INET6 : AF_INET;
	if (!inet_ntop(af, addr, buf, sizeof(buf)))
		return "?";
	return buf;
}

// "10.0.0.1:80" or "[fd00::1]:80", into a caller's buffer.
constexpr std::size_t kEndpointSize = INET6_ADDRSTRLEN + sizeof("[]:65535");

std::string_view format_endpoint(char (&buf)[kEndpointSize], const tcpdrop_event &e,
				 const __u8 *addr, unsigned port)
{
	char text[INET6_ADDRSTRLEN];
	const std::string_view shown = format_addr(text, e, addr);
	const char *pattern = e.family == NT_AF_INET6 ? "[{}]:{}" : "{}:{}";
	const auto end = fmt::format_to_n(buf, sizeof(buf) - 1, fmt::runtime(pattern), shown, port);
	return {buf, end.size < sizeof(buf) ? end.size : sizeof(buf) - 1};
}

// The packet carries a socket of another namespace than the one that
// dropped it: its sender's, across a veth pair.
bool socket_elsewhere(const tcpdrop_event &e)
{
	return (e.flags & TCPDROP_HAS_SOCKET) && e.sock_netns && e.netns && e.sock_netns != e.netns;
}

} // namespace

const char *tcp_state_name(unsigned state)
{
	static constexpr const char *names[] = {
		"-",         "ESTABLISHED", "SYN_SENT",     "SYN_RECV",       "FIN_WAIT1",
		"FIN_WAIT2", "TIME_WAIT",   "CLOSE",        "CLOSE_WAIT",     "LAST_ACK",
		"LISTEN",    "CLOSING",     "NEW_SYN_RECV", "BOUND_INACTIVE",
	};
	return state < std::size(names) ? names[state] : "UNKNOWN";
}

void format_tcp_flags(fmt::memory_buffer &out, unsigned flags, const char *separator)
{
	bool first = true;
	for (std::size_t bit = 0; bit < flag_names.size(); ++bit) {
		if (!(flags & (1u << bit)))
			continue;
		if (!first)
			out.append(std::string_view(separator));
		out.append(std::string_view(flag_names[bit]));
		first = false;
	}
}

Reporter::Reporter(OutputWriter &out, LiveKernelSymbols &symbols, const DropReasons &reasons,
		   bool json, ExtraColumns columns)
    : out_(out), frames_(symbols), stacks_(frames_, "    "), reasons_(reasons), json_(json),
      columns_(columns)
{
}

// Column widths as bcc's tcpdrop pads them (the endpoints to 20), and
// ours: a namespace inode has 10 digits, a device name up to 15 bytes.
void Reporter::header()
{
	if (json_)
		return;
	fmt::memory_buffer &out = out_.buffer();
	out.append(std::string_view("TIME     PID     "));
	if (columns_.netns)
		append(out, "{:<10} ", "NETNS");
	if (columns_.device)
		append(out, "{:<15} ", "INTERFACE");
	append(out, "IP {:<20} > {:<20} STATE (FLAGS) REASON (CODE)\n", "SADDR:SPORT",
	       "DADDR:DPORT");
}

void Reporter::event(const tcpdrop_event &e, FreeKind kind, const __u64 *stack, std::size_t frames)
{
	if (json_)
		json(e, kind, stack, frames);
	else
		text(e, kind, stack, frames);
}

void Reporter::lost(const LostEvents &lost)
{
	if (json_)
		append_lost_record(out_.buffer(), lost, wall_clock_ns());
}

void Reporter::text(const tcpdrop_event &e, FreeKind kind, const __u64 *stack, std::size_t frames)
{
	fmt::memory_buffer &out = out_.buffer();
	char source[kEndpointSize], destination[kEndpointSize];

	format_local_hms(out, clock_.to_wall_ns(e.ktime_ns));
	append(out, " {:<7} ", e.pid);
	if (columns_.netns) {
		if (e.netns)
			append(out, "{:<10} ", e.netns);
		else
			append(out, "{:<10} ", "-");
	}
	if (columns_.device) {
		const std::string_view device = devices_.name(e);
		append(out, "{:<15} ", device.empty() ? std::string_view("-") : device);
	}
	append(out, "{}  {:<20} > {:<20} ", e.family == NT_AF_INET6 ? 6 : 4,
	       format_endpoint(source, e, e.saddr, e.sport),
	       format_endpoint(destination, e, e.daddr, e.dport));
	out.append(std::string_view(tcp_state_name(e.flags & TCPDROP_HAS_SOCKET ? e.state : 0)));
	if (socket_elsewhere(e))
		out.push_back('*');
	out.append(std::string_view(" ("));
	format_tcp_flags(out, e.tcp_flags, "|");
	out.append(std::string_view(") "));
	if (e.flags & TCPDROP_HAS_REASON)
		append(out, "{} ({})", reasons_.name(e.reason), e.reason);
	else
		out.append(std::string_view("- (-)"));
	// Only --all shows other kinds; a drop line stays as it always was.
	if (kind != FreeKind::Drop)
		append(out, " [{}]", free_kind_name(kind));
	out.push_back('\n');

	stacks_.text(out, e.location, stack, frames);
	if (frames)
		out.push_back('\n');
}

void Reporter::json(const tcpdrop_event &e, FreeKind kind, const __u64 *stack, std::size_t frames)
{
	char saddr[INET6_ADDRSTRLEN], daddr[INET6_ADDRSTRLEN];
	nlohmann::ordered_json j;

	// Which kind of record this is: "drop", or "lost" (append_lost_record).
	j["type"] = "drop";
	scratch_.clear();
	format_rfc3339(scratch_, clock_.to_wall_ns(e.ktime_ns));
	j["time"] = std::string_view(scratch_.data(), scratch_.size());
	j["pid"] = e.pid;
	j["comm"] = std::string_view(e.comm, strnlen(e.comm, sizeof(e.comm)));
	j["ip"] = e.family == NT_AF_INET6 ? 6 : 4;
	j["saddr"] = format_addr(saddr, e, e.saddr);
	j["sport"] = e.sport;
	j["daddr"] = format_addr(daddr, e, e.daddr);
	j["dport"] = e.dport;
	if (e.flags & TCPDROP_HAS_SOCKET)
		j["state"] = tcp_state_name(e.state);
	else
		j["state"] = nullptr;
	j["flags"] = nlohmann::ordered_json::array();
	for (std::size_t bit = 0; bit < flag_names.size(); ++bit)
		if (e.tcp_flags & (1u << bit))
			j["flags"].push_back(flag_names[bit]);
	if (e.flags & TCPDROP_HAS_REASON) {
		j["reason"] = reasons_.name(e.reason);
		j["reason_code"] = e.reason;
	} else {
		j["reason"] = nullptr;
		j["reason_code"] = nullptr;
	}
	j["kind"] = free_kind_name(kind);
	j["location"] = stacks_.frame(e.location);
	j["netns"] = e.netns;
	if (e.flags & TCPDROP_HAS_SOCKET)
		j["sock_netns"] = e.sock_netns;
	else
		j["sock_netns"] = nullptr;
	j["ifindex"] = e.ifindex;
	if (const std::string_view device = devices_.name(e); !device.empty())
		j["ifname"] = device;
	else
		j["ifname"] = nullptr;
	j["stack"] = stacks_.json(e.location, stack, frames);
	append_json_line(out_.buffer(), j);
}

} // namespace nettrace::tcpdrop
