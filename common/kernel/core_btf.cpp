// SPDX-License-Identifier: MIT
#include <nettrace/common/kernel/core_btf.hpp>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <map>
#include <memory>
#include <unordered_set>
#include <vector>

namespace nettrace {

namespace {

// "sk_buff___old" -> "sk_buff": libbpf's flavor rule, the part before the
// last "___" that has no underscore on either side.
std::string_view essential_name(std::string_view name)
{
	for (size_t end = name.size(); end-- > 0;) {
		// name[end] ends the base name; "___" and a flavor follow.
		if (end + 4 < name.size() && name[end] != '_' &&
		    name.compare(end + 1, 3, "___") == 0 && name[end + 4] != '_')
			return name.substr(0, end + 1);
	}
	return name;
}

bool is_named_kind(const btf_type *t)
{
	return btf_is_composite(t) || btf_is_any_enum(t) || btf_is_typedef(t) || btf_is_fwd(t);
}

class CoreBtfBuilder {
public:
	explicit CoreBtfBuilder(const btf &kernel) : kernel_(kernel) {}

	// Every kernel type named like a named type of `program`.
	void add_roots_named_in(const btf &program)
	{
		std::unordered_set<std::string_view> names;
		for (__u32 id = 1; id < btf__type_cnt(&program); id++) {
			const btf_type *t = btf__type_by_id(&program, id);
			if (t->name_off && is_named_kind(t))
				names.insert(
					essential_name(btf__name_by_offset(&program, t->name_off)));
		}
		for (__u32 id = 1; id < btf__type_cnt(&kernel_); id++) {
			const btf_type *t = btf__type_by_id(&kernel_, id);
			if (t->name_off && is_named_kind(t) &&
			    names.count(btf__name_by_offset(&kernel_, t->name_off)))
				roots_.push_back(id);
		}
		// In id order, so that one kernel and object give one file.
		for (const __u32 id : roots_)
			plan(id, false);
	}

	// The planned types, written as raw BTF.
	std::optional<std::string> write() const
	{
		std::unique_ptr<btf, decltype(&btf__free)> out(btf__new_empty(), btf__free);
		if (!out)
			return std::nullopt;
		for (const Planned &p : planned_)
			if (emit(*out, p) < 0)
				return std::nullopt;
		__u32 size = 0;
		const void *raw = btf__raw_data(out.get(), &size);
		if (!raw)
			return std::nullopt;
		return std::string(static_cast<const char *>(raw), size);
	}

private:
	// One type of the output: its id there is its index + 1. A shallow
	// copy of a struct or union is a forward declaration.
	struct Planned {
		__u32 source;
		bool shallow;
		std::vector<__u32> refs; // output ids of the types it refers to
	};

	// The output id for kernel type `id`, planning it and what it refers
	// to if not yet. `shallow`: reached through a pointer.
	__u32 plan(__u32 id, bool shallow)
	{
		if (id == 0)
			return 0;
		const btf_type *t = btf__type_by_id(&kernel_, id);
		if (btf_is_func_proto(t) || btf_is_func(t) || btf_is_var(t) || btf_is_datasec(t) ||
		    btf_is_decl_tag(t))
			return 0; // pointers to functions become void *
		const bool composite = btf_is_composite(t);
		if (composite && shallow && !t->name_off)
			return 0; // an anonymous struct has no forward declaration
		// Only structs, unions and what leads to them differ in depth.
		shallow = shallow && leads_to_composite(id) && !is_root(id);
		// A full copy serves where a shallow one is asked for.
		if (auto full = index_.find({id, false}); full != index_.end())
			return full->second;
		if (auto known = index_.find({id, shallow}); known != index_.end())
			return known->second;

		const __u32 out_id = static_cast<__u32>(planned_.size() + 1);
		index_[{id, shallow}] = out_id;
		planned_.push_back({id, shallow, {}});
		std::vector<__u32> refs;
		if (btf_is_ptr(t)) {
			refs.push_back(plan(t->type, true));
		} else if (btf_is_typedef(t) || btf_is_mod(t) || btf_kind(t) == BTF_KIND_TYPE_TAG) {
			refs.push_back(plan(t->type, shallow));
		} else if (btf_is_array(t)) {
			refs.push_back(plan(btf_array(t)->type, shallow));
			refs.push_back(plan(btf_array(t)->index_type, false));
		} else if (composite && !shallow) {
			const btf_member *m = btf_members(t);
			for (unsigned i = 0; i < btf_vlen(t); i++)
				refs.push_back(plan(m[i].type, false));
		}
		planned_[out_id - 1].refs = std::move(refs);
		return out_id;
	}

	bool is_root(__u32 id) const
	{
		return std::binary_search(roots_.begin(), roots_.end(), id);
	}

	// Whether `id` is a struct or union, or a typedef, qualifier or array
	// of one.
	bool leads_to_composite(__u32 id) const
	{
		for (;;) {
			const btf_type *t = btf__type_by_id(&kernel_, id);
			if (btf_is_composite(t))
				return true;
			if (btf_is_array(t))
				id = btf_array(t)->type;
			else if (btf_is_typedef(t) || btf_is_mod(t) ||
				 btf_kind(t) == BTF_KIND_TYPE_TAG)
				id = t->type;
			else
				return false;
		}
	}

	int emit(btf &out, const Planned &p) const
	{
		const btf_type *t = btf__type_by_id(&kernel_, p.source);
		if (btf_is_composite(t) && p.shallow)
			return btf__add_fwd(&out, btf__name_by_offset(&kernel_, t->name_off),
					    btf_is_union(t) ? BTF_FWD_UNION : BTF_FWD_STRUCT);
		const int id = btf__add_type(&out, &kernel_, t);
		if (id < 0)
			return id;
		// The copy still names kernel ids; point it at the output's.
		auto *copy = const_cast<btf_type *>(btf__type_by_id(&out, id));
		if (btf_is_array(copy)) {
			btf_array(copy)->type = p.refs[0];
			btf_array(copy)->index_type = p.refs[1];
		} else if (btf_is_composite(copy)) {
			btf_member *m = btf_members(copy);
			for (unsigned i = 0; i < btf_vlen(copy); i++)
				m[i].type = p.refs[i];
		} else if (!p.refs.empty()) {
			copy->type = p.refs[0];
		}
		return id;
	}

	const btf &kernel_;
	std::vector<__u32> roots_; // ascending
	std::map<std::pair<__u32, bool>, __u32> index_;
	std::vector<Planned> planned_;
};

} // namespace

std::optional<std::string> core_btf_for(const btf &kernel, std::string_view elf)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "core_btf");
	std::unique_ptr<bpf_object, decltype(&bpf_object__close)> object(
		bpf_object__open_mem(elf.data(), elf.size(), &opts), bpf_object__close);
	const btf *program = object ? bpf_object__btf(object.get()) : nullptr;
	if (!program)
		return std::nullopt;
	CoreBtfBuilder builder(kernel);
	builder.add_roots_named_in(*program);
	return builder.write();
}

} // namespace nettrace
