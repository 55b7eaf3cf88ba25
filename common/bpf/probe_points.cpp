// SPDX-License-Identifier: MIT
#include <nettrace/common/bpf/probe_points.hpp>

#include <nettrace/errors.hpp>

#include <fmt/format.h>

#include <set>
#include <string>

namespace nettrace::bpf {

namespace {

// INGRESS and EGRESS in NT_PROBE_POINTS become PathSection values.
#define NT_FN_POINT(id, section, fn, where) \
	ProbePoint{NT_POINT_##id, PathSection::section, #fn, #fn, nullptr},
#define NT_TP_POINT(id, section, subsystem, event, where) \
	ProbePoint{NT_POINT_##id, PathSection::section, #subsystem ":" #event, nullptr, #event},
#define INGRESS Ingress
#define EGRESS Egress

const std::array<ProbePoint, NT_PROBE_POINT_COUNT> all_points = {
	NT_PROBE_POINTS(NT_FN_POINT, NT_TP_POINT)};

#undef INGRESS
#undef EGRESS
#undef NT_FN_POINT
#undef NT_TP_POINT

} // namespace

const std::array<ProbePoint, NT_PROBE_POINT_COUNT> &probe_points()
{
	return all_points;
}

FactsWanted probe_point_facts()
{
	FactsWanted wanted;
	for (const ProbePoint &p : all_points) {
		if (p.event)
			wanted.tracepoints.emplace_back(p.event);
		if (p.function)
			wanted.functions.emplace_back(p.function);
	}
	return wanted;
}

std::vector<const ProbePoint *> points_named(std::string_view option, std::string_view list)
{
	std::set<nt_probe_point> chosen;
	std::string_view rest = list;
	while (true) {
		const std::size_t comma = rest.find(',');
		const std::string_view word = rest.substr(0, comma);
		bool known = false;
		for (const ProbePoint &p : all_points) {
			const bool in_section =
				(word == "input" && p.section == PathSection::Ingress) ||
				(word == "output" && p.section == PathSection::Egress);
			if (in_section || word == p.label) {
				chosen.insert(p.id);
				known = true;
			}
		}
		if (!known)
			throw UsageError(fmt::format(
				"{}: unknown point or group '{}' (input, output, or a point "
				"as 'nettrace skbstat --list-probes' names it)",
				option, word));
		if (comma == std::string_view::npos)
			break;
		rest = rest.substr(comma + 1);
	}
	std::vector<const ProbePoint *> points;
	for (const ProbePoint &p : all_points)
		if (chosen.count(p.id))
			points.push_back(&p);
	return points;
}

} // namespace nettrace::bpf
