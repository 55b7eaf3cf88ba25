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
		   bool json)
    : out_(out), frames_(symbols), stacks_(frames_, "    "), reasons_(reasons), json_(json)
{
}

void Reporter::header()
{
	if (!json_)
		append(out_.buffer(), "TIME     PID     IP SADDR:SPORT > DADDR:DPORT STATE (FLAGS) "
				      "REASON (CODE)\n");
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
	char saddr[INET6_ADDRSTRLEN], daddr[INET6_ADDRSTRLEN];
	const bool v6 = e.family == NT_AF_INET6;

	format_local_hms(out, clock_.to_wall_ns(e.ktime_ns));
	append(out, " {:<7} {} ", e.pid, v6 ? 6 : 4);
	if (v6)
		append(out, "[{}]:{} > [{}]:{} ", format_addr(saddr, e, e.saddr), e.sport,
		       format_addr(daddr, e, e.daddr), e.dport);
	else
		append(out, "{}:{} > {}:{} ", format_addr(saddr, e, e.saddr), e.sport,
		       format_addr(daddr, e, e.daddr), e.dport);
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
	j["stack"] = stacks_.json(e.location, stack, frames);
	append_json_line(out_.buffer(), j);
}

} // namespace nettrace::tcpdrop
