// SPDX-License-Identifier: MIT
// The probe points of the receive and transmit paths as user space sees
// them (nettrace/probe_points.h): each one's name, section, and the
// function or tracepoint it attaches to. skbstat and the exporter share
// them, and the names by which a command line picks them.
#pragma once

#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/probe_points.h>

#include <array>
#include <string_view>
#include <vector>

namespace nettrace::bpf {

// Input: from the device up to the socket; output: back down.
enum class PathSection { Ingress, Egress };

struct ProbePoint {
	nt_probe_point id;
	PathSection section;
	const char *label;    // its name: "ip_rcv", "net:netif_receive_skb"
	const char *function; // kernel function, or nullptr for a tracepoint
	const char *event;    // tracepoint event, or nullptr for a function
};

// Every point, in display order (the order of NT_PROBE_POINTS).
const std::array<ProbePoint, NT_PROBE_POINT_COUNT> &probe_points();

// What to ask the kernel's BTF about every point, in one go
// (KernelFacts::read): each tracepoint's tp_btf argument count, and
// whether each function is in BTF, which fentry can attach to.
FactsWanted probe_point_facts();

// The points a comma-separated list names: "input" and "output" for a
// section's points, or a point's own name ("net:netif_receive_skb",
// "ip_rcv"), in display order, each once. Throws UsageError naming
// `option` and the word it does not know, or an empty list.
std::vector<const ProbePoint *> points_named(std::string_view option, std::string_view list);

} // namespace nettrace::bpf
