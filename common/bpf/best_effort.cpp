// SPDX-License-Identifier: MIT
#include <nettrace/common/bpf/best_effort.hpp>

namespace nettrace::bpf {

bool load_only(bpf_object *obj, const std::vector<std::string> &programs)
{
	bpf_program *prog;
	bpf_object__for_each_program(prog, obj) bpf_program__set_autoload(prog, false);
	for (const std::string &name : programs) {
		prog = bpf_object__find_program_by_name(obj, name.c_str());
		if (!prog)
			return false;
		bpf_program__set_autoload(prog, true);
	}
	return true;
}

std::vector<ProgramOutcome> load_best_effort(const std::vector<std::string> &wanted,
					     const LoadAttempt &attempt)
{
	std::vector<ProgramOutcome> outcomes;
	for (const std::string &program : wanted)
		outcomes.push_back({program, std::nullopt});
	if (wanted.empty())
		return outcomes;
	const std::optional<AttachFailure> together = attempt(wanted);
	if (!together)
		return outcomes;
	// libbpf stops at the first program the kernel refuses and unloads
	// the rest, and names it only in its log's wording: asking the
	// kernel about each program alone finds every refused one instead.
	const bool one_by_one = wanted.size() > 1 &&
				together->stage == AttachFailure::Stage::Load &&
				!refuses_every_program(together->err);
	if (!one_by_one) {
		for (ProgramOutcome &o : outcomes)
			o.refused = together;
		return outcomes;
	}
	std::vector<std::string> accepted;
	for (ProgramOutcome &o : outcomes) {
		o.refused = attempt({o.program});
		if (!o.refused)
			accepted.push_back(o.program);
	}
	if (accepted.empty())
		return outcomes;
	// Each loads alone; together they may still not (a limit on the
	// object as a whole): then none of them counts as loaded.
	if (const std::optional<AttachFailure> rest = attempt(accepted))
		for (ProgramOutcome &o : outcomes)
			if (!o.refused)
				o.refused = rest;
	return outcomes;
}

} // namespace nettrace::bpf
