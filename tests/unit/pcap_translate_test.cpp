// SPDX-License-Identifier: MIT
// The translator's refusals and the shape of what it makes, without a
// kernel: every classic program it cannot translate faithfully is refused
// with a message, and every block it makes passes check_block().
#include "pcap_corpus.hpp"

#include <nettrace/common/pcap/block_check.hpp>
#include <nettrace/common/pcap/compile.hpp>
#include <nettrace/common/pcap/cooked_reads.hpp>
#include <nettrace/common/pcap/translate.hpp>
#include <nettrace/errors.hpp>

#include <gtest/gtest.h>

#include <linux/filter.h>
#include <nettrace/pcap_filter.h>
#include <string>

namespace nettrace::pcap {
namespace {

ClassicInsn op(std::uint16_t code, std::uint32_t k = 0, std::uint8_t jt = 0, std::uint8_t jf = 0)
{
	return {code, jt, jf, k};
}

const ClassicInsn kAccept = op(BPF_RET | BPF_K, 1);

TEST(PcapTranslate, EveryCorpusBlockHasTheVerifiersShape)
{
	for (const std::string &expression : test::pcap_expressions()) {
		SCOPED_TRACE(expression);
		const EbpfBlock block = translate(compile(expression));
		EXPECT_EQ(check_block(block), "");
	}
}

// The BPF side finds out only the parts of the cooked header an expression
// reads: too few would leave a part unset that the filter reads.
TEST(PcapCookedReads, EachExpressionReadsTheCookedPartsItNames)
{
	constexpr std::uint32_t kAll = NT_PCAP_COOKED_IFINDEX | NT_PCAP_COOKED_HATYPE |
				       NT_PCAP_COOKED_PKTTYPE | NT_PCAP_COOKED_ADDRESS;
	const std::pair<const char *, std::uint32_t> cases[] = {
		{"ip", 0},
		{"tcp port 80 and not arp", 0},
		{"tcp[((tcp[12] & 0xf0) >> 2):4] = 0x47455420", 0},
		{"inbound", NT_PCAP_COOKED_PKTTYPE},
		{"outbound and udp", NT_PCAP_COOKED_PKTTYPE},
		{"ifindex 4", NT_PCAP_COOKED_IFINDEX},
		{"link[8:2] = 772", NT_PCAP_COOKED_HATYPE},
		{"link[9:2] = 0", NT_PCAP_COOKED_HATYPE | NT_PCAP_COOKED_PKTTYPE},
		{"link[11] = 6", NT_PCAP_COOKED_ADDRESS},
		{"link[19] = 0", NT_PCAP_COOKED_ADDRESS},
		{"link[2:2] = 0", 0},
		// Indexed from byte 0: any part may be read.
		{"link[ip[0] & 0xf] = 0", kAll},
	};
	for (const auto &[expression, reads] : cases)
		EXPECT_EQ(cooked_reads(compile(expression)), reads) << expression;
}

TEST(PcapTranslate, WhatCannotRunIsRefusedWithAMessage)
{
	const std::vector<std::pair<std::string, ClassicProgram>> cases = {
		{"empty", {}},
		{"unknown class opcode", {op(BPF_LD | BPF_W | 0xe0), kAccept}},
		{"memory word 16", {op(BPF_LD | BPF_MEM, 16), kAccept}},
		{"store to word 16", {op(BPF_ST, 16), kAccept}},
		{"jump past the end", {op(BPF_JMP | BPF_JA, 5), kAccept}},
		{"conditional past the end", {op(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 9), kAccept}},
		{"falls off the end", {op(BPF_LD | BPF_IMM, 1)}},
		{"division by constant 0", {op(BPF_ALU | BPF_DIV | BPF_K, 0), kAccept}},
		{"modulo by constant 0", {op(BPF_ALU | BPF_MOD | BPF_K, 0), kAccept}},
		{"shift by 32", {op(BPF_ALU | BPF_LSH | BPF_K, 32), kAccept}},
		{"unknown jump", {op(BPF_JMP | 0x60 | BPF_K, 0, 0, 0), kAccept}},
		{"unknown arithmetic", {op(BPF_ALU | 0xf0 | BPF_K, 1), kAccept}},
		{"unknown misc", {op(BPF_MISC | 0x40), kAccept}},
		{"unknown return", {op(BPF_RET | 0x18)}},
		{"ldx word abs", {op(BPF_LDX | BPF_W | BPF_ABS, 0), kAccept}},
		{"byte-sized constant", {op(BPF_LD | BPF_B | BPF_IMM, 1), kAccept}},
		{"half-word memory word", {op(BPF_LDX | BPF_H | BPF_MEM, 1), kAccept}},
		{"byte-sized length", {op(BPF_LD | BPF_B | BPF_LEN), kAccept}},
		{"negation by X", {op(BPF_ALU | BPF_NEG | BPF_X), kAccept}},
		{"jump always by X", {op(BPF_JMP | BPF_JA | BPF_X, 0), kAccept}},
		{"return with mode bits", {op(BPF_RET | BPF_K | BPF_MEM, 1)}},
		{"opcode past 8 bits", {op(0x100 | BPF_ALU | BPF_NEG), kAccept}},
	};
	for (const auto &[name, program] : cases) {
		SCOPED_TRACE(name);
		try {
			translate(program);
			ADD_FAILURE() << "translated";
		} catch (const UsageError &e) {
			EXPECT_NE(std::string(e.what()).find("filter expression: "),
				  std::string::npos)
				<< e.what();
		}
	}
}

TEST(PcapTranslate, ProtochainsLoopIsRefused)
{
	for (const char *expression : {"ip protochain 6", "ip6 protochain 17"}) {
		SCOPED_TRACE(expression);
		try {
			translate(compile(expression));
			ADD_FAILURE() << "translated";
		} catch (const UsageError &e) {
			EXPECT_NE(std::string(e.what()).find("jumps backwards"), std::string::npos)
				<< e.what();
		}
	}
}

TEST(PcapTranslate, CodeNoPathReachesIsLeftOut)
{
	// The load at 1 is never reached: translating it would leave code the
	// verifier refuses.
	const ClassicProgram program = {op(BPF_JMP | BPF_JA, 1), op(BPF_LD | BPF_W | BPF_ABS, 0),
					kAccept};
	const EbpfBlock block = translate(program);
	EXPECT_EQ(check_block(block), "");
	for (const bpf_insn &in : block)
		EXPECT_NE(in.code, BPF_JMP | BPF_CALL);
}

TEST(PcapBlockCheck, FindsWhatTheVerifierWouldRefuse)
{
	const EbpfBlock good = translate({kAccept});
	ASSERT_EQ(check_block(good), "");
	EbpfBlock past = good;
	past.back().off = 5;
	EXPECT_NE(check_block(past), "");
	EbpfBlock backwards = good;
	backwards.back().off = -2;
	EXPECT_NE(check_block(backwards), "");
	EbpfBlock unreachable = good;
	unreachable.push_back(good.front());
	unreachable[unreachable.size() - 2].off = 1; // jumps over it to the end
	EXPECT_NE(check_block(unreachable), "");
	EbpfBlock exits = good;
	exits.back().code = BPF_JMP | BPF_EXIT;
	EXPECT_NE(check_block(exits), "");
	EXPECT_NE(check_block({}), "");
}

} // namespace
} // namespace nettrace::pcap
