#include <nettrace/common/kernel_btf.hpp>

#include <nettrace/common/startup_heap.hpp>

#include <bpf/btf.h>
#include <sys/stat.h>

#include <string>

namespace nettrace {

namespace {

btf *parse_vmlinux_btf()
{
	struct stat file{};
	if (stat(KernelBtf::vmlinux_path, &file) == 0)
		keep_heap_for_btf_parsing(static_cast<std::size_t>(file.st_size));
	return btf__load_vmlinux_btf();
}

} // namespace

// NULL when the kernel has no BTF.
KernelBtf::KernelBtf() : btf_(parse_vmlinux_btf()) {}

KernelBtf::~KernelBtf()
{
	btf__free(btf_);
}

std::optional<int> KernelBtf::tracepoint_arg_count(std::string_view name) const
{
	if (!btf_)
		return std::nullopt;
	const std::string typedef_name = "btf_trace_" + std::string(name);
	const int id = btf__find_by_name_kind(btf_, typedef_name.c_str(), BTF_KIND_TYPEDEF);
	if (id < 0)
		return std::nullopt;
	// typedef -> pointer -> function prototype (void *ctx, args...)
	const btf_type *t = btf__type_by_id(btf_, id);
	t = t ? btf__type_by_id(btf_, t->type) : nullptr;
	t = t && btf_is_ptr(t) ? btf__type_by_id(btf_, t->type) : nullptr;
	if (!t || !btf_is_func_proto(t))
		return std::nullopt;
	return btf_vlen(t) - 1;
}

bool KernelBtf::has_function(std::string_view name) const
{
	return btf_ && btf__find_by_name_kind(btf_, std::string(name).c_str(), BTF_KIND_FUNC) >= 0;
}

} // namespace nettrace
