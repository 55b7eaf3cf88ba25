// SPDX-License-Identifier: MIT
#include "skbtrace_attach.hpp"
#include "skbtrace_copies.hpp"
#include "skbtrace_points.hpp"
#include "skbtrace_shared_maps.hpp"
#include "skbtrace_tracepoints.h"

#include "skbtrace.skel.h"
#include "skbtrace_functions.skel.h"

#include <nettrace/common/bpf/best_effort.hpp>
#include <nettrace/common/bpf/libbpf_log.hpp>
#include <nettrace/common/bpf/skeleton.hpp>
#include <nettrace/common/kernel/paths.hpp>
#include <nettrace/common/kernel/skb_functions.hpp>
#include <nettrace/errors.hpp>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <map>
#include <set>
#include <unistd.h>

namespace nettrace::skbtrace {

using bpf::AttachFailure;
using bpf::AttachKind;

namespace {

struct TracepointProgram {
	const char *subsystem;
	const char *event;
	int argument;
};

#define SKBTRACE_TRACEPOINT_ENTRY(subsystem, event, arg, dev_arg) {#subsystem, #event, arg},
constexpr TracepointProgram tracepoint_programs[] = {
	SKBTRACE_TRACEPOINTS(SKBTRACE_TRACEPOINT_ENTRY)};
#undef SKBTRACE_TRACEPOINT_ENTRY

// Where each free function starts, from /proc/kallsyms; 0 for one this
// kernel does not have (or hides the address of).
std::array<__u64, SKBTRACE_FREE_FUNCTIONS> free_function_addresses()
{
	static_assert(free_functions.size() == SKBTRACE_FREE_FUNCTIONS);
	std::array<__u64, SKBTRACE_FREE_FUNCTIONS> found{};
	std::ifstream in(kernel_paths::kallsyms);
	std::string address, type, name;
	while (in >> address >> type >> name) {
		in.ignore(256, '\n'); // a module's name, if any
		for (std::size_t i = 0; i < free_functions.size(); ++i)
			if (!found[i] && name == free_functions[i])
				found[i] = std::stoull(address, nullptr, 16);
	}
	return found;
}

// An fentry program is bound to one function when it loads, so each
// function costs a load and its verification: tens of milliseconds each on
// hardware, far more under emulation. Past this many functions, auto
// leaves them to kprobes, which attach one loaded program many times.
constexpr std::size_t auto_fentry_limit = 128;

// Whether fentry programs may call bpf_get_func_ip (5.15 on).
bool kernel_has_func_ip()
{
	const bpf::AttachEnvironment env = bpf::AttachEnvironment::read();
	return env.release_major == 0 || env.release_major > 5 ||
	       (env.release_major == 5 && env.release_minor >= 15);
}

AttachKind kind_of(FunctionAttach a)
{
	switch (a) {
	case FunctionAttach::KprobeMulti:
		return AttachKind::KprobeMulti;
	case FunctionAttach::Fentry:
		return AttachKind::Fentry;
	default:
		return AttachKind::Kprobe;
	}
}

} // namespace

const std::vector<std::string> &tracepoint_names()
{
	static const std::vector<std::string> names = [] {
		std::vector<std::string> n;
		for (const TracepointProgram &t : tracepoint_programs)
			n.push_back(fmt::format("{}:{}", t.subsystem, t.event));
		return n;
	}();
	return names;
}

struct Tracer::Loaded {
	std::unique_ptr<bpf::Skeleton<skbtrace_bpf>> main;
	std::unique_ptr<bpf::Skeleton<skbtrace_functions_bpf>> functions;
	std::vector<bpf_link *> links;
	std::vector<int> copy_fds; // fentry copies and their links

	~Loaded()
	{
		drop_functions();
		for (bpf_link *link : links)
			bpf_link__destroy(link);
	}
	void drop_functions()
	{
		for (auto it = copy_fds.rbegin(); it != copy_fds.rend(); ++it)
			close(*it);
		copy_fds.clear();
		for (bpf_link *link : function_links)
			bpf_link__destroy(link);
		function_links.clear();
		functions.reset();
	}
	std::vector<bpf_link *> function_links;
};

Tracer::Tracer(const TracerSettings &settings) : loaded_(std::make_unique<Loaded>())
{
	attach_tracepoints(settings);
	attach_functions(settings);
	follow_copies(settings);
}

Tracer::~Tracer() = default;

void Tracer::attach_tracepoints(const TracerSettings &settings)
{
	const KernelBtf btf;
	std::vector<std::string> programs = {"tracepoint_kfree_skb", "tracepoint_consume_skb"};
	std::vector<const TracepointProgram *> chosen;
	for (std::size_t i = 0; i < std::size(tracepoint_programs); ++i) {
		const TracepointProgram &t = tracepoint_programs[i];
		const std::string &name = tracepoint_names()[i];
		if (!point_chosen(settings.points, name))
			continue;
		if (!btf.tracepoint_arg_count(t.event))
			continue; // not in this kernel: --list-points shows what is
		if (!tracepoint_takes_skb(btf, t.event, t.argument)) {
			attached_.tracepoints_not.push_back(
				fmt::format("{}: its argument {} is no sk_buff on this kernel",
					    name, t.argument));
			continue;
		}
		chosen.push_back(&t);
		programs.push_back(fmt::format("raw_tp_{}", t.event));
	}
	auto loaded = bpf::load_exactly<skbtrace_bpf>(
		NETTRACE_SKELETON_OPS(skbtrace_bpf), "skbtrace", programs, [&](skbtrace_bpf *skel) {
			skel->rodata->nettrace_filter = settings.filter;
			skel->rodata->skbtrace_stacks = settings.stacks;
			skel->rodata->skbtrace_snaplen = settings.snaplen;
			bpf_map__set_max_entries(skel->maps.followed, settings.max_packets);
		});
	if (loaded.failure)
		throw RuntimeError(
			bpf::failure_text(AttachKind::Tracepoint, *loaded.failure, nullptr));
	loaded_->main = std::move(loaded.skeleton);
	skbtrace_bpf *skel = loaded_->main->get();
	for (bpf_program *end :
	     {skel->progs.tracepoint_kfree_skb, skel->progs.tracepoint_consume_skb}) {
		bpf_link *link = bpf_program__attach(end);
		if (!link)
			throw RuntimeError(fmt::format(
				"cannot attach {}: {}", bpf_program__section_name(end),
				bpf::failure_text(AttachKind::Tracepoint,
						  {AttachFailure::Stage::Attach, errno, {}, {}},
						  nullptr)));
		loaded_->links.push_back(link);
	}
	for (const TracepointProgram *t : chosen) {
		const std::string name = fmt::format("{}:{}", t->subsystem, t->event);
		bpf_program *program = bpf_object__find_program_by_name(
			skel->obj, fmt::format("raw_tp_{}", t->event).c_str());
		bpf_link *link = bpf_program__attach_raw_tracepoint(program, t->event);
		if (!link) {
			attached_.tracepoints_not.push_back(fmt::format(
				"{}: {}", name,
				bpf::failure_text(AttachKind::RawTp,
						  {AttachFailure::Stage::Attach, errno, {}, {}},
						  t->event)));
			continue;
		}
		loaded_->links.push_back(link);
		attached_.tracepoints.push_back(name);
	}
}

namespace {

// Opens the functions object, sharing the tracepoint object's maps, with
// the programs `programs` of the mechanism `how` to load.
template <typename Configure>
bpf::LoadedSkeleton<skbtrace_functions_bpf>
load_functions(skbtrace_bpf *main, const TracerSettings &settings,
	       const std::vector<std::string> &programs, Configure per_mechanism)
{
	const auto addresses = free_function_addresses();
	return bpf::load_exactly<skbtrace_functions_bpf>(
		NETTRACE_SKELETON_OPS(skbtrace_functions_bpf), "skbtrace_functions", programs,
		[&](skbtrace_functions_bpf *skel) {
			share_main_maps(skel, main, settings);
			for (std::size_t i = 0; i < addresses.size(); ++i)
				skel->rodata->skbtrace_free_function[i] = addresses[i];
			per_mechanism(skel);
		});
}

bpf_program *program_for(skbtrace_functions_bpf *skel, const char *prefix, std::size_t argument)
{
	return bpf_object__find_program_by_name(skel->obj,
						fmt::format("{}_skb_{}", prefix, argument).c_str());
}

} // namespace

void Tracer::attach_functions(const TracerSettings &settings)
{
	if (settings.attach == FunctionAttach::Tracepoint)
		return;
	const KernelBtf btf;
	const FunctionChoice choice = choose_functions(btf, settings.points);
	if (choice.count == 0)
		return;
	std::vector<FunctionAttach> order = {FunctionAttach::KprobeMulti, FunctionAttach::Fentry,
					     FunctionAttach::Kprobe};
	if (settings.attach != FunctionAttach::Auto)
		order = {settings.attach};
	for (FunctionAttach how : order) {
		const AttachKind kind = kind_of(how);
		const bool fentry = how == FunctionAttach::Fentry;
		if (fentry && !kernel_has_func_ip()) {
			attached_.mechanisms_failed.push_back(
				"fentry: its copies tell their functions apart by bpf_get_func_ip, "
				"which came with Linux 5.15");
			continue;
		}
		if (fentry && settings.attach == FunctionAttach::Auto &&
		    choice.count > auto_fentry_limit) {
			attached_.mechanisms_failed.push_back(fmt::format(
				"fentry: not tried for {} functions, which would take one program "
				"load each (--attach fentry, or --points naming at most {}, uses it)",
				choice.count, auto_fentry_limit));
			continue;
		}
		const char *prefix = fentry ? "fentry" : "kprobe";
		std::vector<std::string> programs;
		for (std::size_t a = 0; a < choice.by_argument.size(); ++a)
			if (!choice.by_argument[a].empty())
				programs.push_back(fmt::format("{}_skb_{}", prefix, a));
		auto loaded = load_functions(
			loaded_->main->get(), settings, programs,
			[&](skbtrace_functions_bpf *skel) {
				for (std::size_t a = 0; a < choice.by_argument.size(); ++a) {
					if (choice.by_argument[a].empty())
						continue;
					bpf_program *p = program_for(skel, prefix, a);
					if (how == FunctionAttach::KprobeMulti)
						bpf_program__set_expected_attach_type(
							p, BPF_TRACE_KPROBE_MULTI);
					if (fentry)
						bpf_program__set_attach_target(
							p, 0,
							choice.by_argument[a].front().c_str());
				}
			});
		std::string why;
		if (loaded.failure) {
			why = bpf::failure_text(kind, *loaded.failure, nullptr);
		} else {
			loaded_->functions = std::move(loaded.skeleton);
			why = attach_each(how, choice, btf);
		}
		if (why.empty()) {
			attached_.functions_by = kind;
			break;
		}
		loaded_->drop_functions();
		attached_.functions = attached_.functions_failed = 0;
		attached_.mechanisms_failed.push_back(why); // starts with the mechanism's name
	}
	if (!attached_.functions_by && settings.attach != FunctionAttach::Auto)
		throw RuntimeError(fmt::format("--attach {}: no function could be attached ({})",
					       bpf::name(kind_of(settings.attach)),
					       attached_.mechanisms_failed.back()));
	if (attached_.functions_by && attached_.ends_exact) {
		// Every end is seen: the address alone tells packets apart.
		{
			loaded_->main->get()->data->skbtrace_head_is_identity = false;
			(*loaded_->functions)->data->skbtrace_head_is_identity = false;
		}
	}
}

// Copies are made in functions: where none attaches, none is seen.
void Tracer::follow_copies(const TracerSettings &settings)
{
	if (!attached_.functions_by)
		return;
	copies_ = std::make_unique<CopyFollowing>(loaded_->main->get(), settings,
						  *attached_.functions_by);
	attached_.copies = copies_->functions();
	attached_.copies_by = copies_->mechanism();
	attached_.copies_not = copies_->why_not();
}

namespace {

// A copy of the loaded fentry program `original` bound to the function
// with BTF id `btf_id`, attached: the link's and the copy's descriptors,
// or why not.
std::string attach_fentry_copy(const bpf_program *original, int btf_id, std::vector<int> &fds)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = static_cast<__u32>(btf_id));
	const int program =
		bpf_prog_load(BPF_PROG_TYPE_TRACING, bpf_program__name(original), "GPL",
			      bpf_program__insns(original), bpf_program__insn_cnt(original), &opts);
	// The same program loaded for another function: what fails is this
	// function, not the mechanism, so the kernel's error is said as it is.
	if (program < 0)
		return fmt::format("fentry: load: {}", bpf::errno_text(-program));
	fds.push_back(program);
	const int link = bpf_raw_tracepoint_open(nullptr, program);
	if (link < 0)
		return fmt::format("fentry: attach: {}", bpf::errno_text(-link));
	fds.push_back(link);
	return {};
}

} // namespace

// Attaches every chosen function by `how` through the loaded functions
// object: empty when at least one attached, else why none did.
std::string Tracer::attach_each(FunctionAttach how, const FunctionChoice &choice,
				const KernelBtf &btf)
{
	skbtrace_functions_bpf *skel = loaded_->functions->get();
	const AttachKind kind = kind_of(how);
	std::set<std::string> ends;
	std::string first_why;
	const auto refused = [&](const std::string &name, const std::string &why) {
		++attached_.functions_failed;
		if (attached_.function_failure.empty()) {
			attached_.function_failure = fmt::format("{}: {}", name, why);
			first_why = why;
		}
	};
	const auto attached = [&](const std::string &name) {
		++attached_.functions;
		if (std::find(free_functions.begin(), free_functions.end(), name) !=
		    free_functions.end())
			ends.insert(name);
	};
	for (std::size_t a = 0; a < choice.by_argument.size(); ++a) {
		const std::vector<std::string> &names = choice.by_argument[a];
		if (names.empty())
			continue;
		bpf_program *program =
			program_for(skel, how == FunctionAttach::Fentry ? "fentry" : "kprobe", a);
		if (how == FunctionAttach::KprobeMulti) {
			std::vector<const char *> symbols;
			for (const std::string &n : names)
				symbols.push_back(n.c_str());
			LIBBPF_OPTS(bpf_kprobe_multi_opts, opts, .syms = symbols.data(),
				    .cnt = symbols.size());
			bpf_link *link =
				bpf_program__attach_kprobe_multi_opts(program, nullptr, &opts);
			if (!link)
				return bpf::failure_text(
					kind, {AttachFailure::Stage::Attach, errno, {}, {}},
					nullptr);
			loaded_->function_links.push_back(link);
			for (const std::string &n : names)
				attached(n);
			continue;
		}
		for (const std::string &n : names) {
			// A kprobe each; fentry's loaded program is bound to the
			// first function, and copied for the others.
			const bool own_link = how == FunctionAttach::Kprobe || &n == &names.front();
			if (own_link) {
				bpf_link *link =
					how == FunctionAttach::Kprobe
						? bpf_program__attach_kprobe(program, false,
									     n.c_str())
						: bpf_program__attach_trace(program);
				if (!link) {
					refused(n, bpf::failure_text(kind,
								     {AttachFailure::Stage::Attach,
								      errno,
								      {},
								      {}},
								     n.c_str()));
					continue;
				}
				loaded_->function_links.push_back(link);
				attached(n);
				continue;
			}
			const std::optional<int> id = btf.type_id(BTF_KIND_FUNC, n);
			const std::string why =
				id ? attach_fentry_copy(program, *id, loaded_->copy_fds)
				   : std::string("not in this kernel's BTF");
			if (why.empty())
				attached(n);
			else
				refused(n, why);
		}
	}
	// None attached: the mechanism failed, and the first refusal says why.
	if (!attached_.functions)
		return first_why.empty() ? "nothing attached" : first_why;
	// The free functions this kernel has all attached (kfree_skbmem at least).
	std::size_t wanted = 0;
	for (const auto &names : choice.by_argument)
		for (const std::string &n : names)
			wanted += std::find(free_functions.begin(), free_functions.end(), n) !=
				  free_functions.end();
	attached_.ends_exact = ends.count("kfree_skbmem") && ends.size() == wanted;
	return {};
}

int Tracer::ring_buffer_fd() const
{
	return bpf_map__fd((*loaded_->main)->maps.events);
}

int Tracer::followed_fd() const
{
	return bpf_map__fd((*loaded_->main)->maps.followed);
}

std::vector<const volatile __u64 *> Tracer::lost_events() const
{
	std::vector<const volatile __u64 *> counters = {
		&(*loaded_->main)->bss->nettrace_lost_events};
	if (loaded_->functions)
		counters.push_back(&(*loaded_->functions)->bss->nettrace_lost_events);
	if (copies_ && copies_->lost_events())
		counters.push_back(copies_->lost_events());
	return counters;
}

std::uint64_t Tracer::packets_overflow() const
{
	std::uint64_t n = (*loaded_->main)->bss->skbtrace_counters.packets_overflow;
	if (loaded_->functions)
		n += (*loaded_->functions)->bss->skbtrace_counters.packets_overflow;
	if (copies_)
		n += copies_->packets_overflow();
	return n;
}

} // namespace nettrace::skbtrace
