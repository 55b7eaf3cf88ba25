// SPDX-License-Identifier: MIT
// tp_btf/, fentry/ and fexit/ programs, loaded with their target's BTF id
// from KernelBtf. libbpf's own handlers for these sections parse the
// vmlinux BTF to find it, and its "needs vmlinux BTF" check is made on the
// program type before any callback runs. So these handlers register the
// programs as raw tracepoints (which need none), and turn them into the
// tracing programs they are just before the kernel sees them.
#include <nettrace/common/bpf/skeleton.hpp>
#include <nettrace/common/kernel/btf.hpp>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <fmt/format.h>

#include <cstring>
#include <mutex>
#include <optional>

namespace nettrace::bpf {

namespace {

struct AttachSection {
	const char *prefix; // of the section name; the target follows
	bpf_attach_type attach_type;
	int target_kind;
	const char *target_prefix; // of the target's BTF name
};

constexpr AttachSection attach_sections[] = {
	{"tp_btf/", BPF_TRACE_RAW_TP, BTF_KIND_TYPEDEF, "btf_trace_"},
	{"fentry/", BPF_TRACE_FENTRY, BTF_KIND_FUNC, ""},
	{"fexit/", BPF_TRACE_FEXIT, BTF_KIND_FUNC, ""},
};

// The kernel's BTF from prepare_to_open() until finish_loading(). Never
// destroyed at exit, when what it saves to may already be gone: Skeleton
// calls finish_loading() on every path.
std::optional<KernelBtf> &loading_btf()
{
	static auto *kernel = new std::optional<KernelBtf>;
	return *kernel;
}

int prepare_program(bpf_program *program, bpf_prog_load_opts *opts, long cookie)
{
	const AttachSection &section = attach_sections[cookie];
	const char *target = bpf_program__section_name(program) + std::strlen(section.prefix);
	if (!loading_btf())
		loading_btf().emplace();
	const std::optional<int> id =
		loading_btf()->type_id(section.target_kind,
				       fmt::format("{}{}", section.target_prefix, target));
	if (!id) {
		log_load_warning(fmt::format("prog '{}': the kernel's BTF has no {}{}",
					     bpf_program__name(program), section.target_prefix,
					     target));
		return -ESRCH;
	}
	// Not loaded yet: neither setter can fail here.
	bpf_program__set_type(program, BPF_PROG_TYPE_TRACING);
	bpf_program__set_expected_attach_type(program, section.attach_type);
	opts->expected_attach_type = section.attach_type;
	opts->attach_btf_id = static_cast<__u32>(*id);
	opts->attach_btf_obj_fd = 0;
	return 0;
}

int attach_program(const bpf_program *program, long, bpf_link **link)
{
	*link = bpf_program__attach_trace(program);
	return *link ? 0 : -errno;
}

// libbpf 1.2 and later forget a program's section handler when its type
// changes (bpf_program__set_type), and with it the attach callback: there
// these sections are left to libbpf's own handlers, which work, slower.
bool set_type_keeps_handler()
{
	return libbpf_major_version() == 0 ||
	       (libbpf_major_version() == 1 && libbpf_minor_version() <= 1);
}

void register_attach_sections()
{
	static std::once_flag registered;
	std::call_once(registered, [] {
		if (!set_type_keeps_handler())
			return;
		for (size_t i = 0; i < std::size(attach_sections); i++) {
			LIBBPF_OPTS(libbpf_prog_handler_opts, handler,
				    .cookie = static_cast<long>(i),
				    .prog_prepare_load_fn = prepare_program,
				    .prog_attach_fn = attach_program);
			// A failure leaves libbpf's own handler, which works, slower.
			libbpf_register_prog_handler(attach_sections[i].prefix,
						     BPF_PROG_TYPE_RAW_TRACEPOINT,
						     attach_sections[i].attach_type, &handler);
		}
	});
}

} // namespace

std::string prepare_to_open(std::string_view name, std::string_view elf)
{
	register_attach_sections();
	if (!KernelBtf::available())
		return {};
	loading_btf().emplace();
	return loading_btf()->core_btf_path(name, elf).value_or("");
}

void finish_loading()
{
	loading_btf().reset();
}

} // namespace nettrace::bpf
