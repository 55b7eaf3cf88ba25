// SPDX-License-Identifier: MIT
#include <nettrace/common/pcap/inject.hpp>

#include <nettrace/errors.hpp>
#include <nettrace/pcap_filter.h>

#include <cstring>
#include <fmt/format.h>
#include <limits>
#include <vector>

namespace nettrace::pcap {
namespace {

bool is_marker(const bpf_insn &in)
{
	return in.code == (BPF_ALU64 | BPF_MOV | BPF_K) && in.dst_reg == BPF_REG_0 &&
	       in.src_reg == 0 && in.off == 0 && in.imm == NT_PCAP_MARKER;
}

bpf_insn jump_by(long off, const bpf_program *program)
{
	if (off < std::numeric_limits<std::int16_t>::min() ||
	    off > std::numeric_limits<std::int16_t>::max())
		throw RuntimeError(fmt::format(
			"BPF program {} is too long for its filter to be reached by a jump",
			bpf_program__name(program)));
	bpf_insn ja{};
	ja.code = BPF_JMP | BPF_JA;
	ja.off = static_cast<std::int16_t>(off);
	return ja;
}

} // namespace

std::size_t inject(bpf_program *program, const EbpfBlock &block)
{
	const bpf_insn *old = bpf_program__insns(program);
	std::vector<bpf_insn> insns(old, old + bpf_program__insn_cnt(program));
	std::size_t found = 0;
	const std::size_t original = insns.size();
	for (std::size_t i = 0; i < original; i++) {
		if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW)) {
			i++; // the second half of a 64-bit load is no instruction
			continue;
		}
		if (!is_marker(insns[i]))
			continue;
		found++;
		if (block.empty()) {
			insns[i].imm = 1;
			continue;
		}
		const long start = static_cast<long>(insns.size());
		insns[i] = jump_by(start - static_cast<long>(i + 1), program);
		insns.insert(insns.end(), block.begin(), block.end());
		const long back_at = static_cast<long>(insns.size());
		insns.push_back(jump_by(static_cast<long>(i + 1) - (back_at + 1), program));
	}
	if (found == 0)
		return 0;
	// Allowed until the object is loaded (libbpf.h): libbpf copies the
	// instructions.
	const int err = bpf_program__set_insns(program, insns.data(), insns.size());
	if (err)
		throw RuntimeError(fmt::format("BPF program {}: cannot put the filter in: {}",
					       bpf_program__name(program), std::strerror(-err)));
	return found;
}

void check_no_marker_left(bpf_object *object)
{
	bpf_program *program = nullptr;
	bpf_object__for_each_program(program, object)
	{
		const bpf_insn *insns = bpf_program__insns(program);
		const std::size_t count = bpf_program__insn_cnt(program);
		for (std::size_t i = 0; i < count; i++)
			if (is_marker(insns[i]))
				throw RuntimeError(fmt::format(
					"BPF program {}: its pcap filter spot is in a function that is "
					"not inlined, where no filter can be put",
					bpf_program__name(program)));
	}
}

std::size_t inject(bpf_object *object, const EbpfBlock &block)
{
	std::size_t found = 0;
	bpf_program *program = nullptr;
	bpf_object__for_each_program(program, object)
	{
		found += inject(program, block);
	}
	return found;
}

} // namespace nettrace::pcap
