// SPDX-License-Identifier: MIT
#include <nettrace/common/pcap/compile.hpp>

#include "libpcap.hpp"

#include <nettrace/errors.hpp>

#include <fmt/format.h>
#include <memory>
#include <pcap/pcap.h>

namespace nettrace::pcap {

namespace {

// libpcap's message as the error repeats it: it may quote the expression,
// whose newlines and tabs libpcap reads as spaces, and the error must stay
// one line.
std::string one_line(std::string text)
{
	for (char &c : text)
		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
	return text;
}

} // namespace

ClassicProgram compile(const std::string &expression)
{
	const Libpcap &lib = libpcap();
	std::unique_ptr<pcap_t, void (*)(pcap_t *)> handle(lib.open_dead(kLinkType, kSnapLength),
							   lib.close);
	if (!handle)
		throw RuntimeError("libpcap: cannot open a handle to compile filters");
	bpf_program program{};
	// The netmask only serves "ip broadcast", which tcpdump cannot
	// answer on "any" either.
	if (lib.compile(handle.get(), &program, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
		throw UsageError(
			fmt::format("filter expression: {}", one_line(lib.geterr(handle.get()))));
	ClassicProgram classic;
	classic.reserve(program.bf_len);
	for (u_int i = 0; i < program.bf_len; i++) {
		const bpf_insn &in = program.bf_insns[i];
		classic.push_back({in.code, in.jt, in.jf, in.k});
	}
	lib.freecode(&program);
	return classic;
}

std::string library_version()
{
	return libpcap().lib_version();
}

std::string join_expression(const std::vector<std::string> &words)
{
	std::string joined;
	for (const std::string &word : words)
		joined += (joined.empty() ? "" : " ") + word;
	return joined;
}

} // namespace nettrace::pcap
