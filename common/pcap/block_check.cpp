// SPDX-License-Identifier: MIT
#include <nettrace/common/pcap/block_check.hpp>

#include <fmt/format.h>
#include <vector>

namespace nettrace::pcap {
namespace {

bool is_jump(const bpf_insn &in)
{
	const int cls = BPF_CLASS(in.code);
	return (cls == BPF_JMP || cls == BPF_JMP32) && BPF_OP(in.code) != BPF_CALL &&
	       BPF_OP(in.code) != BPF_EXIT;
}

} // namespace

std::string check_block(const EbpfBlock &block)
{
	if (block.empty())
		return "the block is empty";
	std::vector<bool> reached(block.size() + 1, false);
	reached[0] = true;
	for (std::size_t i = 0; i < block.size(); i++) {
		const bpf_insn &in = block[i];
		if (in.dst_reg > BPF_REG_9 || in.src_reg > BPF_REG_9)
			return fmt::format("instruction {} names a register past r9", i);
		if (BPF_CLASS(in.code) == BPF_JMP && BPF_OP(in.code) == BPF_EXIT)
			return fmt::format("instruction {} exits the whole program", i);
		if (BPF_CLASS(in.code) == BPF_JMP && BPF_OP(in.code) == BPF_CALL &&
		    in.imm != BPF_FUNC_probe_read_kernel)
			return fmt::format("instruction {} calls helper {}", i, in.imm);
		if (!reached[i])
			return fmt::format("instruction {} is reached by no path", i);
		const bool always = is_jump(in) && BPF_OP(in.code) == BPF_JA;
		if (is_jump(in)) {
			if (in.off < 0)
				return fmt::format("instruction {} jumps backwards", i);
			const std::size_t target = i + 1 + static_cast<std::size_t>(in.off);
			if (target > block.size())
				return fmt::format("instruction {} jumps past the block's end", i);
			reached[target] = true;
		}
		if (!always)
			reached[i + 1] = true;
	}
	if (!reached[block.size()])
		return "no path leaves the block";
	return "";
}

} // namespace nettrace::pcap
