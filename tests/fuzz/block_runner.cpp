// SPDX-License-Identifier: MIT
#include "block_runner.hpp"

#include <nettrace/pcap_filter.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace nettrace::pcap {
namespace {

// Made-up addresses for the packet and the scratch area, far apart.
constexpr std::uint64_t kPacketAt = 0x100000000ull;
constexpr std::uint64_t kScratchAt = 0x200000000ull;

[[noreturn]] void bug(std::size_t pc, const char *what)
{
	std::fprintf(stderr, "block instruction %zu: %s\n", pc, what);
	std::abort();
}

struct Machine {
	std::uint64_t r[11] = {};
	std::uint8_t scratch[NT_PCAP_SCRATCH_BYTES] = {};
	const std::vector<std::uint8_t> *packet = nullptr;

	std::uint8_t *scratch_at(std::size_t pc, std::uint64_t address, std::size_t size)
	{
		if (address < kScratchAt || address + size > kScratchAt + sizeof(scratch))
			bug(pc, "memory access outside the scratch area");
		return scratch + (address - kScratchAt);
	}

	void probe_read(std::size_t pc)
	{
		std::uint8_t *to = scratch_at(pc, r[1], r[2]);
		// From the cooked header in the scratch area, or the packet.
		if (r[3] >= kScratchAt && r[3] < kScratchAt + sizeof(scratch))
			std::memmove(to, scratch_at(pc, r[3], r[2]), r[2]);
		else if (r[3] < kPacketAt || r[3] + r[2] > kPacketAt + packet->size())
			bug(pc, "reads outside the packet");
		else
			std::memcpy(to, packet->data() + (r[3] - kPacketAt), r[2]);
		r[0] = 0;
		r[1] = r[2] = r[3] = r[4] = r[5] = 0xdeadbeef; // clobbered
	}
};

std::uint32_t alu32(std::size_t pc, std::uint32_t op, std::uint32_t a, std::uint32_t b)
{
	switch (op) {
	case BPF_MOV:
		return b;
	case BPF_ADD:
		return a + b;
	case BPF_SUB:
		return a - b;
	case BPF_MUL:
		return a * b;
	case BPF_DIV:
		return b ? a / b : 0;
	case BPF_MOD:
		return b ? a % b : a;
	case BPF_OR:
		return a | b;
	case BPF_AND:
		return a & b;
	case BPF_XOR:
		return a ^ b;
	case BPF_LSH:
		return a << (b & 31);
	case BPF_RSH:
		return a >> (b & 31);
	case BPF_NEG:
		return -a;
	default:
		bug(pc, "unknown 32-bit arithmetic");
	}
}

bool compare(std::size_t pc, std::uint32_t op, std::uint64_t a, std::uint64_t b)
{
	switch (op) {
	case BPF_JEQ:
		return a == b;
	case BPF_JNE:
		return a != b;
	case BPF_JGT:
		return a > b;
	case BPF_JGE:
		return a >= b;
	case BPF_JLT:
		return a < b;
	case BPF_JSET:
		return (a & b) != 0;
	default:
		bug(pc, "unknown jump");
	}
}

int load_size(std::size_t pc, std::uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_W:
		return 4;
	case BPF_H:
		return 2;
	case BPF_B:
		return 1;
	case BPF_DW:
		return 8;
	default:
		bug(pc, "unknown load size");
	}
}

std::uint64_t load(const std::uint8_t *at, int size)
{
	std::uint64_t v = 0;
	std::memcpy(&v, at, size); // little-endian host, as the tests run
	return v;
}

} // namespace

std::uint64_t run_block(const EbpfBlock &block, const std::vector<std::uint8_t> &cooked,
			const std::vector<std::uint8_t> &packet)
{
	Machine m;
	m.packet = &packet;
	if (cooked.size() != NT_PCAP_COOKED_LEN)
		bug(0, "a cooked header is 20 bytes");
	std::memcpy(m.scratch + NT_PCAP_SCRATCH_COOKED, cooked.data(), cooked.size());
	m.r[1] = kPacketAt;
	m.r[2] = packet.size();
	m.r[3] = kScratchAt;
	std::size_t pc = 0;
	while (pc < block.size()) {
		const bpf_insn &in = block[pc];
		std::uint64_t &dst = m.r[in.dst_reg];
		const std::uint32_t op = BPF_OP(in.code);
		const bool by_x = BPF_SRC(in.code) == BPF_X;
		const std::uint64_t src =
			by_x ? m.r[in.src_reg] : static_cast<std::uint64_t>(in.imm);
		pc++;
		switch (BPF_CLASS(in.code)) {
		case BPF_ALU64:
			if (op == BPF_MOV)
				dst = src;
			else if (op == BPF_ADD)
				dst += src;
			else
				bug(pc - 1, "unknown 64-bit arithmetic");
			break;
		case BPF_ALU:
			if (op == BPF_END) {
				if (in.imm == 16)
					dst = __builtin_bswap16(static_cast<std::uint16_t>(dst));
				else if (in.imm == 32)
					dst = __builtin_bswap32(static_cast<std::uint32_t>(dst));
				else
					bug(pc - 1, "unknown byte swap");
			} else
				dst = alu32(pc - 1, op, static_cast<std::uint32_t>(dst),
					    static_cast<std::uint32_t>(src));
			break;
		case BPF_LDX: {
			const int size = load_size(pc - 1, in.code);
			dst = load(m.scratch_at(pc - 1, m.r[in.src_reg] + in.off, size), size);
			break;
		}
		case BPF_STX: {
			const int size = load_size(pc - 1, in.code);
			if (size != 4 && size != 8)
				bug(pc - 1, "unknown store");
			const std::uint64_t v = m.r[in.src_reg];
			std::memcpy(m.scratch_at(pc - 1, dst + in.off, size), &v, size);
			break;
		}
		case BPF_JMP:
		case BPF_JMP32: {
			const bool wide = BPF_CLASS(in.code) == BPF_JMP;
			if (wide && op == BPF_CALL) {
				if (in.imm != BPF_FUNC_probe_read_kernel)
					bug(pc - 1, "unknown helper");
				m.probe_read(pc - 1);
				break;
			}
			bool taken = op == BPF_JA;
			if (!taken && wide)
				taken = compare(pc - 1, op, dst, src);
			else if (!taken)
				taken = compare(pc - 1, op, static_cast<std::uint32_t>(dst),
						static_cast<std::uint32_t>(src));
			if (taken)
				pc += in.off;
			break;
		}
		default:
			bug(pc - 1, "unknown instruction class");
		}
	}
	if (pc != block.size())
		bug(pc, "jumps past the block's end");
	return m.r[0];
}

} // namespace nettrace::pcap
