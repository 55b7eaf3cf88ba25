// SPDX-License-Identifier: MIT
#include <nettrace/common/kernel/skb_functions.hpp>

#include <nettrace/common/kernel/paths.hpp>

#include <bpf/btf.h>

#include <algorithm>
#include <fstream>
#include <string_view>

namespace nettrace {

namespace {

// Through const, volatile, restrict and typedefs to the type itself.
const btf_type *skip_modifiers(const btf *b, __u32 id)
{
	const btf_type *t = btf__type_by_id(b, id);
	while (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = btf__type_by_id(b, t->type);
	return t;
}

bool is_skb_pointer(const btf *b, __u32 id)
{
	const btf_type *t = skip_modifiers(b, id);
	if (!t || !btf_is_ptr(t))
		return false;
	const btf_type *target = skip_modifiers(b, t->type);
	return target && btf_is_struct(target) &&
	       std::string_view(btf__name_by_offset(b, target->name_off)) == "sk_buff";
}

// The first sk_buff argument of prototype `proto` from `first` on, among
// the first `limit` counted from `first`; -1 for none.
int skb_argument(const btf *b, const btf_type *proto, int first, int limit)
{
	if (!proto || !btf_is_func_proto(proto))
		return -1;
	const btf_param *params = btf_params(proto);
	const int count = std::min<int>(btf_vlen(proto), first + limit);
	for (int i = first; i < count; ++i)
		if (is_skb_pointer(b, params[i].type))
			return i - first;
	return -1;
}

// A tracepoint's prototype: btf_trace_<event> is a typedef of a pointer
// to a function whose first argument is the tracing context.
const btf_type *tracepoint_proto(const btf *b, const btf_type *typedef_type)
{
	const btf_type *ptr = btf__type_by_id(b, typedef_type->type);
	return ptr && btf_is_ptr(ptr) ? btf__type_by_id(b, ptr->type) : nullptr;
}

constexpr std::string_view trace_prefix = "btf_trace_";

// The tracing machinery's own functions, which take an sk_buff only to
// hand it to a tracepoint's probes: a probe there sees the tracepoint
// again, and one on a tracepoint's caller may recurse into itself.
constexpr std::string_view tracing_prefixes[] = {"__bpf_trace_", "__traceiter_", "perf_trace_",
						 "trace_event_raw_event_", "trace_raw_output_"};

bool is_tracing_machinery(std::string_view name)
{
	for (std::string_view prefix : tracing_prefixes)
		if (name.substr(0, prefix.size()) == prefix)
			return true;
	return false;
}

} // namespace

namespace {

// Each BTF type of `kernel` for which `take` gives a name and argument
// (nothing to leave it out), each name once, sorted.
template <typename Take>
std::vector<SkbTaker> takers(const KernelBtf &kernel, Take take)
{
	std::vector<SkbTaker> found;
	const btf *b = kernel.vmlinux();
	if (!b)
		return found;
	const __u32 count = btf__type_cnt(b);
	for (__u32 id = 1; id < count; ++id)
		if (std::optional<SkbTaker> t = take(b, btf__type_by_id(b, id)))
			found.push_back(std::move(*t));
	const auto by_name = [](const SkbTaker &a, const SkbTaker &c) { return a.name < c.name; };
	const auto same_name = [](const SkbTaker &a, const SkbTaker &c) {
		return a.name == c.name;
	};
	std::sort(found.begin(), found.end(), by_name);
	found.erase(std::unique(found.begin(), found.end(), same_name), found.end());
	return found;
}

} // namespace

std::vector<SkbTaker> functions_taking_skb(const KernelBtf &kernel)
{
	return takers(kernel, [](const btf *b, const btf_type *t) -> std::optional<SkbTaker> {
		if (!btf_is_func(t))
			return std::nullopt;
		const char *name = btf__name_by_offset(b, t->name_off);
		const int arg = is_tracing_machinery(name)
					? -1
					: skb_argument(b, btf__type_by_id(b, t->type), 0,
						       skb_argument_limit);
		return arg < 0 ? std::nullopt : std::optional<SkbTaker>(SkbTaker{name, arg});
	});
}

std::vector<SkbTaker> tracepoints_taking_skb(const KernelBtf &kernel)
{
	return takers(kernel, [](const btf *b, const btf_type *t) -> std::optional<SkbTaker> {
		if (!btf_is_typedef(t))
			return std::nullopt;
		const std::string_view name = btf__name_by_offset(b, t->name_off);
		if (name.substr(0, trace_prefix.size()) != trace_prefix)
			return std::nullopt;
		const int arg = skb_argument(b, tracepoint_proto(b, t), 1, skb_argument_limit);
		if (arg < 0)
			return std::nullopt;
		return SkbTaker{std::string(name.substr(trace_prefix.size())), arg};
	});
}

bool tracepoint_takes_skb(const KernelBtf &kernel, const std::string &event, int argument)
{
	const btf *b = kernel.vmlinux();
	const std::optional<int> id =
		kernel.type_id(BTF_KIND_TYPEDEF, std::string(trace_prefix) + event);
	if (!b || !id)
		return false;
	const btf_type *proto = tracepoint_proto(b, btf__type_by_id(b, *id));
	if (!proto || !btf_is_func_proto(proto) || btf_vlen(proto) <= argument + 1)
		return false;
	return is_skb_pointer(b, btf_params(proto)[argument + 1].type);
}

std::optional<std::set<std::string>> traceable_functions()
{
	for (const char *dir : kernel_paths::tracing_dirs) {
		std::ifstream in(std::string(dir) + "/available_filter_functions");
		if (!in)
			continue;
		std::set<std::string> names;
		std::string line;
		// "name" for the core kernel, "name [module]" for a module's.
		while (std::getline(in, line))
			if (line.find(' ') == std::string::npos)
				names.insert(line);
		if (!names.empty())
			return names;
	}
	return std::nullopt;
}

} // namespace nettrace
