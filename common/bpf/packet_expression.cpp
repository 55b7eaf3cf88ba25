// SPDX-License-Identifier: MIT
#include <nettrace/common/bpf/libbpf_log.hpp>
#include <nettrace/common/bpf/packet_expression.hpp>
#include <nettrace/common/pcap/inject.hpp>
#include <nettrace/errors.hpp>

#include <cerrno>
#include <utility>

namespace nettrace::bpf {
namespace {

pcap::EbpfBlock &expression_block()
{
	static pcap::EbpfBlock block;
	return block;
}

} // namespace

void set_packet_expression(pcap::EbpfBlock block)
{
	expression_block() = std::move(block);
}

bool packet_expression_given()
{
	return !expression_block().empty();
}

void put_packet_expression(bpf_object *object)
{
	pcap::inject(object, expression_block());
}

void check_packet_expression(bpf_object *object)
{
	pcap::check_no_marker_left(object);
}

bool expression_refused(int err)
{
	// The verifier says EACCES for a program it will not run, E2BIG for
	// one too large; other errors are not the expression's doing.
	return packet_expression_given() && (err == -EACCES || err == -E2BIG);
}

void throw_expression_refused()
{
	std::string why = libbpf_log_tail(1);
	while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
		why.pop_back();
	throw UsageError("filter expression: could not be loaded into the kernel" +
			 (why.empty() ? std::string() : ": " + why));
}

} // namespace nettrace::bpf
