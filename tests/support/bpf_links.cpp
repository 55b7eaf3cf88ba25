// SPDX-License-Identifier: MIT
#include "bpf_links.hpp"

#include "bpf_objects.hpp"
#include "process.hpp"

#include <nlohmann/json.hpp>

namespace nettrace::test {

namespace {

nlohmann::json bpftool_show(const char *what, unsigned id)
{
	const ProcessResult r =
		run_process({"bpftool", "--json", what, "show", "id", std::to_string(id)});
	nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
	return r.exit_code == 0 && j.is_object() ? j : nlohmann::json::object();
}

std::string mechanism_of(const nlohmann::json &link, const nlohmann::json &prog)
{
	const std::string type = link.value("type", "");
	const std::string prog_type = prog.value("type", "");
	// fentry is a tracing link; tp_btf, a tracing program, attaches
	// through a raw tracepoint link, as raw_tp programs do.
	if (type == "tracing") {
		const std::string attach = link.value("attach_type", "");
		return attach == "trace_fentry" ? "fentry" : "tracing/" + attach;
	}
	if (type == "raw_tracepoint")
		return prog_type == "tracing" ? "tp_btf" : "raw_tp";
	// Classic tracepoints and kprobes attach through perf events (or a
	// kprobe_multi link): the program's type tells which.
	if (type == "perf_event" || type == "kprobe_multi")
		return prog_type;
	return "?" + type;
}

} // namespace

std::vector<KernelLink> bpf_links_of(int pid)
{
	std::vector<KernelLink> links;
	for (unsigned id : bpf_objects_of(pid).links) {
		KernelLink link;
		link.id = id;
		const nlohmann::json l = bpftool_show("link", link.id);
		const nlohmann::json p = bpftool_show("prog", l.value("prog_id", 0u));
		link.program = p.value("name", "");
		link.tracepoint = l.value("tp_name", "");
		link.mechanism = mechanism_of(l, p);
		links.push_back(link);
	}
	return links;
}

} // namespace nettrace::test
