// SPDX-License-Identifier: MIT
// pcap-filter expressions run in the kernel against libpcap's own
// interpreter: every expression of the corpus is compiled, translated and
// put into pcap_filter_probe, which runs (BPF_PROG_TEST_RUN) on every
// packet of the corpus; each verdict must be libpcap's bpf_filter() one on
// the same bytes.
#include "pcap_corpus.hpp"
#include "pcap_reference.hpp"
#include "requirements.hpp"

#include <nettrace/common/pcap/compile.hpp>
#include <nettrace/common/pcap/inject.hpp>
#include <nettrace/common/pcap/translate.hpp>
#include <nettrace/errors.hpp>

#include "pcap_filter_probe.skel.h"
#include "pcap_filter_subprog.skel.h"

#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cstring>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

namespace nettrace {
namespace {

constexpr std::size_t kMaxBytes = 512; // PCAP_PROBE_MAX_BYTES

struct ProbePacket {
	std::uint32_t len;
	std::uint8_t cooked[20]; // NT_PCAP_COOKED_LEN
	std::uint8_t bytes[kMaxBytes];
};

enum Verdict : std::uint64_t { kNotRun = 0, kMatch = 1, kNoMatch = 2 };

struct ProbeDeleter {
	void operator()(pcap_filter_probe_bpf *p) const { pcap_filter_probe_bpf__destroy(p); }
};
using Probe = std::unique_ptr<pcap_filter_probe_bpf, ProbeDeleter>;

// The probe, opened, with `block` put in unless `inject` is false, loaded.
// Empty when it does not load, with libbpf's error in `error`.
Probe load_probe(const pcap::EbpfBlock &block, bool inject, std::size_t *markers, int *error)
{
	Probe probe(pcap_filter_probe_bpf__open());
	if (!probe) {
		*error = -errno;
		return nullptr;
	}
	*markers = inject ? pcap::inject(probe->obj, block) : 0;
	*error = pcap_filter_probe_bpf__load(probe.get());
	return *error ? nullptr : std::move(probe);
}

// Runs the loaded probe on `corpus_packet`; the verdict and the tgid it
// read.
Verdict run_probe(pcap_filter_probe_bpf *probe, const test::CorpusPacket &corpus_packet,
		  std::uint64_t *tgid = nullptr)
{
	const std::vector<std::uint8_t> &bytes = corpus_packet.bytes;
	ProbePacket packet{};
	packet.len = static_cast<std::uint32_t>(bytes.size());
	std::memcpy(packet.cooked, corpus_packet.cooked.data(), sizeof(packet.cooked));
	std::memcpy(packet.bytes, bytes.data(), bytes.size());
	const std::uint32_t zero = 0, one = 1;
	std::uint64_t verdict = kNotRun;
	EXPECT_EQ(bpf_map__update_elem(probe->maps.packet, &zero, sizeof(zero), &packet,
				       sizeof(packet), BPF_ANY),
		  0);
	EXPECT_EQ(bpf_map__update_elem(probe->maps.verdict, &zero, sizeof(zero), &verdict,
				       sizeof(verdict), BPF_ANY),
		  0);
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	EXPECT_EQ(bpf_prog_test_run_opts(bpf_program__fd(probe->progs.run_filter), &opts), 0)
		<< std::strerror(errno);
	EXPECT_EQ(bpf_map__lookup_elem(probe->maps.verdict, &zero, sizeof(zero), &verdict,
				       sizeof(verdict), 0),
		  0);
	if (tgid) {
		EXPECT_EQ(bpf_map__lookup_elem(probe->maps.verdict, &one, sizeof(one), tgid,
					       sizeof(*tgid), 0),
			  0);
	}
	return static_cast<Verdict>(verdict);
}

std::string bytes_text(const std::vector<std::uint8_t> &bytes)
{
	std::string out;
	for (std::uint8_t b : bytes)
		out += "0123456789abcdef"[b >> 4], out += "0123456789abcdef"[b & 0xf];
	return out;
}

TEST(PcapFilter, EveryVerdictIsLibpcaps)
{
	NETTRACE_REQUIRE_BPF();
	std::size_t compared = 0, matches = 0;
	for (const std::string &expression : test::pcap_expressions()) {
		SCOPED_TRACE(expression);
		const pcap::ClassicProgram classic = pcap::compile(expression);
		std::size_t markers = 0;
		int error = 0;
		Probe probe = load_probe(pcap::translate(classic), true, &markers, &error);
		ASSERT_TRUE(probe) << "load: " << std::strerror(-error);
		ASSERT_EQ(markers, 1u);
		for (const test::CorpusPacket &packet : test::pcap_packets()) {
			const bool expected = test::libpcap_matches(classic, packet.wire());
			EXPECT_EQ(run_probe(probe.get(), packet), expected ? kMatch : kNoMatch)
				<< packet.name << ": " << bytes_text(packet.wire());
			compared++;
			matches += expected;
		}
	}
	// Every expression has packets it matches and packets it does not, in
	// sum: a corpus where libpcap says the same to all would prove little.
	EXPECT_GT(matches, compared / 10);
	EXPECT_LT(matches, compared - compared / 10);
	std::printf("%zu expressions x %zu packets: %zu verdicts compared (%zu matches)\n",
		    test::pcap_expressions().size(), test::pcap_packets().size(), compared,
		    matches);
}

TEST(PcapFilter, RelocationsSurviveTheInjection)
{
	NETTRACE_REQUIRE_BPF();
	std::size_t markers = 0;
	int error = 0;
	Probe probe =
		load_probe(pcap::translate(pcap::compile("tcp port 80")), true, &markers, &error);
	ASSERT_TRUE(probe) << "load: " << std::strerror(-error);
	std::uint64_t tgid = 0;
	const auto &packets = test::pcap_packets();
	EXPECT_EQ(run_probe(probe.get(), packets.at(0), &tgid), kMatch); // tcp4 syn to :80
	EXPECT_EQ(tgid, static_cast<std::uint64_t>(getpid()));           // the CO-RE read before it
	EXPECT_EQ(run_probe(probe.get(), packets.at(7)), kNoMatch);      // udp4 dns
}

TEST(PcapFilter, WithoutAnExpressionEverythingMatches)
{
	NETTRACE_REQUIRE_BPF();
	for (bool inject : {false, true}) {
		SCOPED_TRACE(inject ? "marker made r0 = 1" : "marker left as it is");
		std::size_t markers = 0;
		int error = 0;
		Probe probe = load_probe({}, inject, &markers, &error);
		ASSERT_TRUE(probe) << "load: " << std::strerror(-error);
		EXPECT_EQ(markers, inject ? 1u : 0u);
		std::uint64_t tgid = 0;
		for (const test::CorpusPacket &packet : test::pcap_packets())
			EXPECT_EQ(run_probe(probe.get(), packet, &tgid), kMatch) << packet.name;
		EXPECT_EQ(tgid, static_cast<std::uint64_t>(getpid()));
	}
}

// Long expressions make long blocks with many helper calls: the verifier
// must still take them, and the jumps must still reach.
TEST(PcapFilter, ALongExpressionLoadsAndRuns)
{
	NETTRACE_REQUIRE_BPF();
	std::string expression = "tcp and (";
	for (int i = 0; i < 1000; i++)
		expression += (i ? " or host 10." : "host 10.") + std::to_string(i / 250) + "." +
			      std::to_string(i % 250) + ".7";
	expression += " or host 8.8.8.8) and not port 22";
	const pcap::ClassicProgram classic = pcap::compile(expression);
	const pcap::EbpfBlock block = pcap::translate(classic);
	std::size_t markers = 0;
	int error = 0;
	Probe probe = load_probe(block, true, &markers, &error);
	ASSERT_TRUE(probe) << "load of " << block.size()
			   << " instructions: " << std::strerror(-error);
	for (const test::CorpusPacket &packet : test::pcap_packets())
		EXPECT_EQ(run_probe(probe.get(), packet),
			  test::libpcap_matches(classic, packet.wire()) ? kMatch : kNoMatch)
			<< packet.name;
	std::printf("%zu classic instructions, %zu eBPF instructions\n", classic.size(),
		    block.size());
}

TEST(PcapFilter, AMarkerInASubprogramIsNoticedAfterLoading)
{
	NETTRACE_REQUIRE_BPF();
	std::unique_ptr<pcap_filter_subprog_bpf, void (*)(pcap_filter_subprog_bpf *)> probe(
		pcap_filter_subprog_bpf__open(), pcap_filter_subprog_bpf__destroy);
	ASSERT_TRUE(probe);
	EXPECT_EQ(pcap::inject(probe->obj, pcap::translate(pcap::compile("tcp"))), 0u);
	ASSERT_EQ(pcap_filter_subprog_bpf__load(probe.get()), 0);
	try {
		pcap::check_no_marker_left(probe->obj);
		ADD_FAILURE() << "no marker found";
	} catch (const RuntimeError &e) {
		EXPECT_NE(std::string(e.what()).find("run_filter_in_subprogram"), std::string::npos)
			<< e.what();
	}
}

TEST(PcapFilter, NoMarkerIsLeftWhereTheFilterWentIn)
{
	NETTRACE_REQUIRE_BPF();
	for (const char *expression : {"tcp", ""}) {
		SCOPED_TRACE(expression);
		const pcap::EbpfBlock block = *expression
						      ? pcap::translate(pcap::compile(expression))
						      : pcap::EbpfBlock{};
		std::size_t markers = 0;
		int error = 0;
		Probe probe = load_probe(block, true, &markers, &error);
		ASSERT_TRUE(probe) << "load: " << std::strerror(-error);
		EXPECT_NO_THROW(pcap::check_no_marker_left(probe->obj));
	}
}

TEST(PcapCompile, ASyntaxErrorSaysWhatLibpcapSays)
{
	for (const char *expression : {"tcp port", "host 999.1.1.1", "ether dst 01:02:03:04:05:06",
				       "portrange 10-", "tcp[tcpflags] & & 2", "tcp and\nport"}) {
		SCOPED_TRACE(expression);
		const std::string libpcap = test::libpcap_compile_error(expression);
		ASSERT_FALSE(libpcap.empty());
		try {
			pcap::compile(expression);
			ADD_FAILURE() << "compiled";
		} catch (const UsageError &e) {
			const std::string message = e.what();
			EXPECT_NE(message.find(libpcap), std::string::npos) << message;
			EXPECT_EQ(message.find('\n'), std::string::npos) << message;
		}
	}
}

TEST(PcapCompile, WordsJoinAsTcpdumpJoinsThem)
{
	EXPECT_EQ(pcap::join_expression({"tcp", "port", "80"}), "tcp port 80");
	EXPECT_EQ(pcap::join_expression({"tcp and", "not port 22"}), "tcp and not port 22");
	EXPECT_EQ(pcap::join_expression({}), "");
}

} // namespace
} // namespace nettrace
