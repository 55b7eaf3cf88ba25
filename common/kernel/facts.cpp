// SPDX-License-Identifier: MIT
#include <nettrace/common/kernel/facts.hpp>

#include <nettrace/common/kernel/btf.hpp>

namespace nettrace {

KfreeSkbLayout KfreeSkbLayout::from_arg_count(int args)
{
	return {.has_reason = args >= 3, .has_rx_sk = args >= 4};
}

KernelFacts KernelFacts::read(const FactsWanted &wanted)
{
	KernelFacts facts;
	// Scoped: the parse, if any, is freed (and the cache saved) here.
	{
		const KernelBtf kernel;
		facts.reasons = DropReasons::load(kernel);
		if (const auto args = kernel.tracepoint_arg_count("kfree_skb"))
			facts.kfree_skb = KfreeSkbLayout::from_arg_count(*args);
		for (const std::string &event : wanted.tracepoints)
			if (const auto args = kernel.tracepoint_arg_count(event))
				facts.tracepoint_args.emplace(event, *args);
		for (const std::string &function : wanted.functions)
			if (kernel.has_function(function))
				facts.functions.emplace(function);
	}
	return facts;
}

} // namespace nettrace
