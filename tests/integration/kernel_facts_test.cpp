// SPDX-License-Identifier: MIT
// KernelFacts against the running kernel's BTF: what skb:kfree_skb passes,
// decided in one place, and at most one parse of vmlinux BTF per read,
// counted by KernelBtf itself. Each test runs in its own process (ctest),
// so the kernel cache starts where the test points it.
#include "cache_directory.hpp"
#include "requirements.hpp"

#include <nettrace/common/kernel/btf.hpp>
#include <nettrace/common/kernel/facts.hpp>

#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

using namespace nettrace;

namespace {

// A kernel cache of this test's own, empty: the first read parses BTF.
struct FreshCache : test::CacheDirectory {
	FreshCache() { use(path()); }
};

// skb:kfree_skb's argument count read with libbpf alone, without the code
// under test: the prototype of its btf_trace_ typedef, less the context.
int kfree_skb_args_from_libbpf()
{
	btf *vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return -1;
	int args = -1;
	const int id = btf__find_by_name_kind(vmlinux, "btf_trace_kfree_skb", BTF_KIND_TYPEDEF);
	if (id > 0) {
		const btf_type *t = btf__type_by_id(vmlinux, btf__resolve_type(vmlinux, id));
		if (t && btf_is_ptr(t))
			t = btf__type_by_id(vmlinux, t->type);
		if (t && btf_is_func_proto(t))
			args = btf_vlen(t) - 1;
	}
	btf__free(vmlinux);
	return args;
}

} // namespace

TEST(KfreeSkbLayout, ComesFromTheArgumentCount)
{
	// 5.10 passes (skb, location); 5.17 adds the reason; 6.11 rx_sk.
	EXPECT_FALSE(KfreeSkbLayout::from_arg_count(2).has_reason);
	EXPECT_FALSE(KfreeSkbLayout::from_arg_count(2).has_rx_sk);
	EXPECT_TRUE(KfreeSkbLayout::from_arg_count(3).has_reason);
	EXPECT_FALSE(KfreeSkbLayout::from_arg_count(3).has_rx_sk);
	EXPECT_TRUE(KfreeSkbLayout::from_arg_count(4).has_reason);
	EXPECT_TRUE(KfreeSkbLayout::from_arg_count(4).has_rx_sk);
	EXPECT_TRUE(KfreeSkbLayout::from_arg_count(5).has_rx_sk);
	for (int args : {2, 3, 4})
		EXPECT_EQ(KfreeSkbLayout::from_arg_count(args).arg_count(), args);
}

TEST(KernelFacts, ReadsEverythingAskedWithOneParseOnAColdCache)
{
	NETTRACE_REQUIRE_BPF();
	const FreshCache cache;
	ASSERT_FALSE(cache.path().empty());
	const unsigned before = KernelBtf::parses();
	const KernelFacts facts = KernelFacts::read(
		{.tracepoints = {"kfree_skb", "consume_skb", "no_such_event_here"},
		 .functions = {"ip_rcv", "no_such_function_here"}});
	EXPECT_EQ(KernelBtf::parses() - before, 1u);

	const int args = kfree_skb_args_from_libbpf();
	ASSERT_GE(args, 2) << "no BTF prototype for skb:kfree_skb";
	ASSERT_TRUE(facts.kfree_skb.has_value());
	EXPECT_EQ(facts.kfree_skb->has_reason, args >= 3);
	EXPECT_EQ(facts.kfree_skb->has_rx_sk, args >= 4);
	EXPECT_EQ(facts.kfree_skb_has_reason(), args >= 3);
	EXPECT_EQ(facts.tracepoint_args.at("kfree_skb"), args);
	EXPECT_TRUE(facts.tracepoint_args.count("consume_skb"));
	EXPECT_FALSE(facts.tracepoint_args.count("no_such_event_here"));
	EXPECT_TRUE(facts.functions.count("ip_rcv"));
	EXPECT_FALSE(facts.functions.count("no_such_function_here"));
	EXPECT_FALSE(facts.reasons.empty()) << facts.reasons.unavailable_reason();
}

TEST(KernelFacts, LaterReadsAreAnsweredWithoutParsing)
{
	NETTRACE_REQUIRE_BPF();
	const FreshCache cache;
	const KernelFacts first = KernelFacts::read({.tracepoints = {"consume_skb"}});
	const unsigned after_first = KernelBtf::parses();
	const KernelFacts again = KernelFacts::read({.tracepoints = {"consume_skb"}});
	EXPECT_EQ(KernelBtf::parses(), after_first);
	EXPECT_EQ(again.tracepoint_args, first.tracepoint_args);
	ASSERT_TRUE(again.kfree_skb.has_value());
	EXPECT_EQ(again.kfree_skb->has_reason, first.kfree_skb->has_reason);
	EXPECT_EQ(again.reasons.names().size(), first.reasons.names().size());
}
