// SPDX-License-Identifier: MIT
#include <nettrace/common/pcap/translate.hpp>

#include <nettrace/errors.hpp>

#include <fmt/format.h>
#include <limits>
#include <linux/filter.h>
#include <nettrace/pcap_filter.h>
#include <string>

namespace nettrace::pcap {
namespace {

// Registers inside the block (translate.hpp).
constexpr std::uint8_t kA = BPF_REG_6;
constexpr std::uint8_t kX = BPF_REG_7;
constexpr std::uint8_t kData = BPF_REG_8;
constexpr std::uint8_t kScratch = BPF_REG_9;

// The scratch area (pcap_filter.h).
constexpr std::int16_t kScratchLen = NT_PCAP_SCRATCH_LEN;
constexpr std::int16_t kScratchMem = NT_PCAP_SCRATCH_MEM;
constexpr std::int16_t kScratchBuf = NT_PCAP_SCRATCH_BUF;
constexpr std::int16_t kScratchOffset = NT_PCAP_SCRATCH_OFFSET;
constexpr std::int16_t kScratchCooked = NT_PCAP_SCRATCH_COOKED;
// The cooked header's length: the packet's bytes come after it.
constexpr std::int32_t kCooked = NT_PCAP_COOKED_LEN;
constexpr std::uint32_t kMemWords = NT_PCAP_MEM_WORDS;

bpf_insn insn(std::uint8_t code, std::uint8_t dst, std::uint8_t src, std::int16_t off,
	      std::int32_t imm)
{
	bpf_insn out{};
	out.code = code;
	out.dst_reg = dst;
	out.src_reg = src;
	out.off = off;
	out.imm = imm;
	return out;
}

// Where a jump goes, resolved once every instruction's place is known.
enum class Target { Classic, Reject, End };

struct Fixup {
	std::size_t at;
	Target kind;
	std::size_t classic_index;
};

class Translator {
public:
	explicit Translator(const ClassicProgram &program) : program_(program) {}

	EbpfBlock run()
	{
		if (program_.empty())
			refuse(0, "the program is empty");
		mark_reachable();
		prologue();
		start_.assign(program_.size(), 0);
		for (std::size_t i = 0; i < program_.size(); i++) {
			start_[i] = block_.size();
			if (reachable_[i])
				one(i);
		}
		if (reject_used_)
			// Falls through to the end: the verdict is "no match".
			reject_at_ = emit(insn(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0));
		resolve();
		return block_;
	}

private:
	[[noreturn]] void refuse(std::size_t i, const std::string &why) const
	{
		throw UsageError(fmt::format(
			"filter expression: classic BPF instruction {} cannot run in the kernel: {}",
			i, why));
	}

	// Only instructions some path reaches are translated: the verifier
	// refuses a program with code no path reaches.
	void mark_reachable()
	{
		reachable_.assign(program_.size(), false);
		std::vector<std::size_t> todo{0};
		while (!todo.empty()) {
			const std::size_t i = todo.back();
			todo.pop_back();
			if (reachable_[i])
				continue;
			reachable_[i] = true;
			for (std::size_t next : successors(i)) {
				// libpcap's "protochain" walks IPv6 headers in a loop,
				// with a jump whose offset wraps around.
				if (BPF_CLASS(program_[i].code) == BPF_JMP &&
				    BPF_OP(program_[i].code) == BPF_JA &&
				    program_[i].k > 0x7fffffff)
					refuse(i,
					       "it jumps backwards (a loop, as 'protochain' makes), "
					       "and filters here run without loops");
				if (next >= program_.size())
					refuse(i, "it jumps or falls past the end of the program");
				todo.push_back(next);
			}
		}
	}

	std::vector<std::size_t> successors(std::size_t i) const
	{
		const ClassicInsn &c = program_[i];
		switch (BPF_CLASS(c.code)) {
		case BPF_RET:
			return {};
		case BPF_JMP:
			if (BPF_OP(c.code) == BPF_JA)
				return {i + 1 + c.k};
			return {i + 1 + c.jt, i + 1 + c.jf};
		default:
			return {i + 1};
		}
	}

	std::size_t emit(const bpf_insn &in)
	{
		block_.push_back(in);
		return block_.size() - 1;
	}

	void emit_jump(bpf_insn in, Target kind, std::size_t classic_index = 0)
	{
		fixups_.push_back({emit(in), kind, classic_index});
		if (kind == Target::Reject)
			reject_used_ = true;
	}

	void prologue()
	{
		emit(insn(BPF_ALU64 | BPF_MOV | BPF_X, kScratch, BPF_REG_3, 0, 0));
		emit(insn(BPF_ALU64 | BPF_MOV | BPF_X, kData, BPF_REG_1, 0, 0));
		// The length classic BPF knows counts the cooked header too.
		emit(insn(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, kCooked));
		emit(insn(BPF_STX | BPF_MEM | BPF_W, kScratch, BPF_REG_2, kScratchLen, 0));
		// Classic BPF starts with A = X = 0.
		emit(insn(BPF_ALU | BPF_MOV | BPF_K, kA, 0, 0, 0));
		emit(insn(BPF_ALU | BPF_MOV | BPF_K, kX, 0, 0, 0));
	}

	static std::int32_t imm(std::uint32_t k) { return static_cast<std::int32_t>(k); }

	std::int16_t memory_offset(std::size_t i, std::uint32_t k) const
	{
		if (k >= kMemWords)
			refuse(i, fmt::format("memory word M[{}] does not exist", k));
		return static_cast<std::int16_t>(kScratchMem + 4 * k);
	}

	// dst = the `size` bytes at [X +] k of the cooked header and the
	// packet after it, big-endian; past the packet's length the filter
	// returns 0, as in classic BPF. Loads of the cooked header alone (at
	// constants) and of the packet alone (constant, or X + k past the
	// header at run time) take one read; one that starts in the header is
	// read a byte at a time, from wherever each byte is.
	void load_packet(std::uint8_t dst, int size, bool indexed, std::uint32_t k)
	{
		const std::uint64_t end = std::uint64_t{k} + static_cast<std::uint64_t>(size);
		if (!indexed && end <= kCooked) {
			// Within the cooked header, which is never past the end.
			emit(insn(BPF_LDX | BPF_MEM | width(size), dst, kScratch,
				  static_cast<std::int16_t>(kScratchCooked + k), 0));
			to_big_endian(dst, size);
			return;
		}
		// r2 = the offset; 64-bit sums of 32-bit values: no wrap, so a
		// huge X + k is past the end rather than back at the start.
		emit(insn(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, imm(k)));
		if (indexed)
			emit(insn(BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_2, kX, 0, 0));
		emit(insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_1, kScratch, kScratchLen, 0));
		emit(insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0));
		emit(insn(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, size));
		emit_jump(insn(BPF_JMP | BPF_JGT | BPF_X, BPF_REG_3, BPF_REG_1, 0, 0),
			  Target::Reject);
		if (!indexed && k >= kCooked) {
			read_packet(size);
		} else if (!indexed) {
			read_bytewise(size);
		} else {
			const std::size_t to_bytewise =
				emit(insn(BPF_JMP | BPF_JLT | BPF_K, BPF_REG_2, 0, 0, kCooked));
			read_packet(size);
			const std::size_t to_end = emit(insn(BPF_JMP | BPF_JA, 0, 0, 0, 0));
			land(to_bytewise);
			read_bytewise(size);
			land(to_end);
		}
		emit(insn(BPF_LDX | BPF_MEM | width(size), dst, kScratch, kScratchBuf, 0));
		to_big_endian(dst, size);
	}

	// The buffer = the `size` packet bytes at offset r2 (past the cooked
	// header).
	void read_packet(int size)
	{
		emit(insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, kData, 0, 0));
		emit(insn(BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0));
		emit(insn(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, -kCooked));
		read_to_buffer(0, size);
	}

	// The buffer = the `size` bytes at offset r2, each from the cooked
	// header or the packet. The offset waits in the scratch area across
	// the helper calls.
	void read_bytewise(int size)
	{
		emit(insn(BPF_STX | BPF_MEM | BPF_DW, kScratch, BPF_REG_2, kScratchOffset, 0));
		for (int i = 0; i < size; i++) {
			emit(insn(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_2, kScratch, kScratchOffset,
				  0));
			if (i)
				emit(insn(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, i));
			const std::size_t to_packet =
				emit(insn(BPF_JMP | BPF_JGE | BPF_K, BPF_REG_2, 0, 0, kCooked));
			emit(insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, kScratch, 0, 0));
			emit(insn(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, kScratchCooked));
			emit(insn(BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0));
			const std::size_t to_read = emit(insn(BPF_JMP | BPF_JA, 0, 0, 0, 0));
			land(to_packet);
			emit(insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, kData, 0, 0));
			emit(insn(BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0));
			emit(insn(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, -kCooked));
			land(to_read);
			read_to_buffer(i, 1);
		}
	}

	// The buffer at `at` = `size` bytes from address r3.
	void read_to_buffer(int at, int size)
	{
		emit(insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, kScratch, 0, 0));
		emit(insn(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, 0, 0, kScratchBuf + at));
		emit(insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, size));
		emit(insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_probe_read_kernel));
		// An unreadable address is no match, like one past the end.
		emit_jump(insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, 0, 0), Target::Reject);
	}

	static std::uint8_t width(int size)
	{
		return size == 4 ? BPF_W : size == 2 ? BPF_H : BPF_B;
	}

	void to_big_endian(std::uint8_t dst, int size)
	{
		if (size > 1)
			emit(insn(BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, size * 8));
	}

	// Points the forward jump at `from` to the next instruction.
	void land(std::size_t from)
	{
		block_[from].off = static_cast<std::int16_t>(block_.size() - (from + 1));
	}

	static int load_size(std::uint16_t code)
	{
		switch (BPF_SIZE(code)) {
		case BPF_W:
			return 4;
		case BPF_H:
			return 2;
		case BPF_B:
			return 1;
		default:
			return 0;
		}
	}

	void load(std::size_t i, const ClassicInsn &c)
	{
		const bool to_x = BPF_CLASS(c.code) == BPF_LDX;
		const std::uint8_t dst = to_x ? kX : kA;
		const std::uint32_t mode = BPF_MODE(c.code);
		// Constants, memory words and the length are 32-bit: any other
		// size is an opcode libpcap's interpreter does not know either.
		const bool word = BPF_SIZE(c.code) == BPF_W;
		if (mode == BPF_IMM && word)
			emit(insn(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, imm(c.k)));
		else if (mode == BPF_MEM && word)
			emit(insn(BPF_LDX | BPF_MEM | BPF_W, dst, kScratch, memory_offset(i, c.k),
				  0));
		else if (mode == BPF_LEN && word)
			emit(insn(BPF_LDX | BPF_MEM | BPF_W, dst, kScratch, kScratchLen, 0));
		else if (!to_x && (mode == BPF_ABS || mode == BPF_IND) && load_size(c.code) != 0)
			load_packet(kA, load_size(c.code), mode == BPF_IND, c.k);
		else if (to_x && mode == BPF_MSH && BPF_SIZE(c.code) == BPF_B) {
			// X = 4 * (P[k] & 0xf): an IPv4 header's length.
			load_packet(kX, 1, false, c.k);
			emit(insn(BPF_ALU | BPF_AND | BPF_K, kX, 0, 0, 0xf));
			emit(insn(BPF_ALU | BPF_LSH | BPF_K, kX, 0, 0, 2));
		} else
			refuse(i, fmt::format("unknown load opcode {:#x}", c.code));
	}

	void store(std::size_t i, const ClassicInsn &c)
	{
		const std::uint8_t src = BPF_CLASS(c.code) == BPF_STX ? kX : kA;
		if (c.code != BPF_ST && c.code != BPF_STX)
			refuse(i, fmt::format("unknown store opcode {:#x}", c.code));
		emit(insn(BPF_STX | BPF_MEM | BPF_W, kScratch, src, memory_offset(i, c.k), 0));
	}

	void alu(std::size_t i, const ClassicInsn &c)
	{
		const std::uint32_t op = BPF_OP(c.code);
		const bool by_x = BPF_SRC(c.code) == BPF_X;
		switch (op) {
		case BPF_NEG:
			if (by_x)
				refuse(i, fmt::format("unknown arithmetic opcode {:#x}", c.code));
			emit(insn(BPF_ALU | BPF_NEG, kA, 0, 0, 0));
			return;
		case BPF_ADD:
		case BPF_SUB:
		case BPF_MUL:
		case BPF_OR:
		case BPF_AND:
		case BPF_XOR:
			break;
		case BPF_DIV:
		case BPF_MOD:
			if (!by_x && c.k == 0)
				refuse(i, "division by the constant 0");
			if (by_x)
				// Classic BPF returns 0 rather than divide by 0.
				emit_jump(insn(BPF_JMP32 | BPF_JEQ | BPF_K, kX, 0, 0, 0),
					  Target::Reject);
			break;
		case BPF_LSH:
		case BPF_RSH:
			if (!by_x && c.k >= 32)
				refuse(i, fmt::format("shift by {} bits", c.k));
			if (by_x) {
				// libpcap gives 0 for shifts of 32 bits or more,
				// where eBPF would shift by X mod 32.
				emit(insn(BPF_JMP32 | BPF_JLT | BPF_K, kX, 0, 2, 32));
				emit(insn(BPF_ALU | BPF_MOV | BPF_K, kA, 0, 0, 0));
				emit(insn(BPF_JMP | BPF_JA, 0, 0, 1, 0));
			}
			break;
		default:
			refuse(i, fmt::format("unknown arithmetic opcode {:#x}", c.code));
		}
		if (by_x)
			emit(insn(BPF_ALU | op | BPF_X, kA, kX, 0, 0));
		else
			emit(insn(BPF_ALU | op | BPF_K, kA, 0, 0, imm(c.k)));
	}

	void jump(std::size_t i, const ClassicInsn &c)
	{
		const std::uint32_t op = BPF_OP(c.code);
		if (op == BPF_JA) {
			if (BPF_SRC(c.code) != BPF_K)
				refuse(i, fmt::format("unknown jump opcode {:#x}", c.code));
			emit_jump(insn(BPF_JMP | BPF_JA, 0, 0, 0, 0), Target::Classic, i + 1 + c.k);
			return;
		}
		if (op != BPF_JEQ && op != BPF_JGT && op != BPF_JGE && op != BPF_JSET)
			refuse(i, fmt::format("unknown jump opcode {:#x}", c.code));
		const std::size_t on_true = i + 1 + c.jt;
		const std::size_t on_false = i + 1 + c.jf;
		if (on_true == on_false) {
			emit_jump(insn(BPF_JMP | BPF_JA, 0, 0, 0, 0), Target::Classic, on_true);
			return;
		}
		// 32-bit compares: classic BPF's values and constants are
		// unsigned 32-bit.
		if (BPF_SRC(c.code) == BPF_X)
			emit_jump(insn(BPF_JMP32 | op | BPF_X, kA, kX, 0, 0), Target::Classic,
				  on_true);
		else
			emit_jump(insn(BPF_JMP32 | op | BPF_K, kA, 0, 0, imm(c.k)), Target::Classic,
				  on_true);
		if (on_false != i + 1)
			emit_jump(insn(BPF_JMP | BPF_JA, 0, 0, 0, 0), Target::Classic, on_false);
	}

	void ret(std::size_t i, const ClassicInsn &c)
	{
		if (c.code == (BPF_RET | BPF_K))
			emit(insn(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, imm(c.k)));
		else if (c.code == (BPF_RET | BPF_A))
			emit(insn(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_0, kA, 0, 0));
		else
			refuse(i, fmt::format("unknown return opcode {:#x}", c.code));
		emit_jump(insn(BPF_JMP | BPF_JA, 0, 0, 0, 0), Target::End);
	}

	void misc(std::size_t i, const ClassicInsn &c)
	{
		if (BPF_MISCOP(c.code) == BPF_TAX)
			emit(insn(BPF_ALU | BPF_MOV | BPF_X, kX, kA, 0, 0));
		else if (BPF_MISCOP(c.code) == BPF_TXA)
			emit(insn(BPF_ALU | BPF_MOV | BPF_X, kA, kX, 0, 0));
		else
			refuse(i, fmt::format("unknown opcode {:#x}", c.code));
	}

	void one(std::size_t i)
	{
		const ClassicInsn &c = program_[i];
		// Opcodes are 8 bits; the macros below would not see the rest.
		if (c.code > 0xff)
			refuse(i, fmt::format("unknown opcode {:#x}", c.code));
		switch (BPF_CLASS(c.code)) {
		case BPF_LD:
		case BPF_LDX:
			load(i, c);
			break;
		case BPF_ST:
		case BPF_STX:
			store(i, c);
			break;
		case BPF_ALU:
			alu(i, c);
			break;
		case BPF_JMP:
			jump(i, c);
			break;
		case BPF_RET:
			ret(i, c);
			break;
		case BPF_MISC:
			misc(i, c);
			break;
		default:
			refuse(i, fmt::format("unknown opcode {:#x}", c.code));
		}
	}

	void resolve()
	{
		for (const Fixup &f : fixups_) {
			std::size_t target = block_.size();
			if (f.kind == Target::Classic)
				target = start_[f.classic_index];
			else if (f.kind == Target::Reject)
				target = reject_at_;
			const long off = static_cast<long>(target) - static_cast<long>(f.at + 1);
			if (off < 0 || off > std::numeric_limits<std::int16_t>::max())
				throw UsageError(fmt::format(
					"filter expression: too long to run in the kernel "
					"({} eBPF instructions)",
					block_.size()));
			block_[f.at].off = static_cast<std::int16_t>(off);
		}
	}

	const ClassicProgram &program_;
	std::vector<bool> reachable_;
	std::vector<std::size_t> start_;
	std::vector<Fixup> fixups_;
	EbpfBlock block_;
	bool reject_used_ = false;
	std::size_t reject_at_ = 0;
};

} // namespace

EbpfBlock translate(const ClassicProgram &program)
{
	return Translator(program).run();
}

} // namespace nettrace::pcap
