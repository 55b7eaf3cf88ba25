#include <nettrace/common/kernel_btf.hpp>

#include <bpf/btf.h>

#include <memory>
#include <string>

namespace nettrace {

namespace {

// The running kernel's BTF, parsed once per process.
const btf *vmlinux_btf()
{
	static const std::unique_ptr<btf, void (*)(btf *)> parsed(btf__load_vmlinux_btf(),
								  btf__free);
	return parsed.get();
}

} // namespace

std::optional<int> tracepoint_arg_count(std::string_view name)
{
	const btf *b = vmlinux_btf();
	if (!b)
		return std::nullopt;
	const std::string typedef_name = "btf_trace_" + std::string(name);
	const int id = btf__find_by_name_kind(b, typedef_name.c_str(), BTF_KIND_TYPEDEF);
	if (id < 0)
		return std::nullopt;
	// typedef -> pointer -> function prototype (void *ctx, args...)
	const btf_type *t = btf__type_by_id(b, id);
	t = t ? btf__type_by_id(b, t->type) : nullptr;
	t = t && btf_is_ptr(t) ? btf__type_by_id(b, t->type) : nullptr;
	if (!t || !btf_is_func_proto(t))
		return std::nullopt;
	return btf_vlen(t) - 1;
}

bool kernel_has_function(std::string_view name)
{
	const btf *b = vmlinux_btf();
	return b && btf__find_by_name_kind(b, std::string(name).c_str(), BTF_KIND_FUNC) >= 0;
}

} // namespace nettrace
