// SPDX-License-Identifier: MIT
// A DropReasons table from kernel BTF: enum skb_drop_reason in vmlinux,
// the subsystems of enum skb_drop_reason_subsys, and the enums that name a
// subsystem's reasons, built in or in a module's split BTF.
#include "builder.hpp"
#include "sources.hpp"

#include <nettrace/common/cli/text_match.hpp>
#include <nettrace/errors.hpp>

#include <bpf/btf.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <map>
#include <memory>

namespace nettrace::drop_reasons {

namespace {

constexpr unsigned subsystem_shift = DropReasons::subsystem_shift;
constexpr uint32_t reason_mask = DropReasons::reason_mask;

struct BtfDeleter {
	void operator()(btf *object) const { btf__free(object); }
};
using BtfPtr = std::unique_ptr<btf, BtfDeleter>;

struct Enumerator {
	std::string_view name;
	uint32_t value;
};

// Enumerators of an ENUM or ENUM64 type whose value is a possible drop
// reason code (fits in 32 bits; negative values of signed enums do not).
std::vector<Enumerator> enumerators_of(const btf *object, const btf_type *type)
{
	std::vector<Enumerator> result;
	const unsigned count = btf_vlen(type);
	const bool is_signed = btf_kflag(type);
	if (btf_is_enum(type)) {
		const struct btf_enum *entries = btf_enum(type);
		for (unsigned i = 0; i < count; i++) {
			if (is_signed && entries[i].val < 0)
				continue;
			result.push_back(
				Enumerator{btf__name_by_offset(object, entries[i].name_off),
					   static_cast<uint32_t>(entries[i].val)});
		}
	} else if (btf_is_enum64(type)) {
		const struct btf_enum64 *entries = btf_enum64(type);
		for (unsigned i = 0; i < count; i++) {
			const uint64_t value = btf_enum64_value(&entries[i]);
			if (value > UINT32_MAX)
				continue;
			result.push_back(
				Enumerator{btf__name_by_offset(object, entries[i].name_off),
					   static_cast<uint32_t>(value)});
		}
	}
	return result;
}

const btf_type *find_enum(const btf *object, const char *name, __s32 *id)
{
	*id = btf__find_by_name_kind(object, name, BTF_KIND_ENUM);
	if (*id < 0)
		*id = btf__find_by_name_kind(object, name, BTF_KIND_ENUM64);
	return *id < 0 ? nullptr : btf__type_by_id(object, *id);
}

// Finds the enums that name a subsystem's reasons (openvswitch's
// ovs_drop_reason, mac80211's mac80211_drop_reason) without knowing their
// names. The kernel numbers a subsystem's reasons from a base value, its
// id shifted into the high bits, upwards without gaps:
//
//	__OVS_DROP_REASON = SKB_DROP_REASON_SUBSYS_OPENVSWITCH << 16,
//	OVS_DROP_LAST_ACTION, OVS_DROP_ACTION_ERROR, ...
//
// Values alone are not enough: vmlinux has flag enums holding 1 << 16 and
// 2 << 16, and ip_defrag_users holds 0x10001 and 0x10002. So an enum
// counts for subsystem S only if
//   - it holds S << 16 and the two values after it, and its values in
//     S's range leave no gap;
//   - "drop" appears in the enum's name or in one of those enumerators
//     (the one naming convention both subsystems follow: a future one
//     that breaks it loses its names, it does not get wrong ones);
//   - no different enum claims S too: if one does, S gets no names.
// One enum may serve two subsystems (mac80211's did, for UNUSABLE and
// MONITOR, in 6.6-6.12).
class SubsystemEnums {
public:
	explicit SubsystemEnums(DropReasonsBuilder &table) : table_(table) {}

	void scan(const btf *object, __u32 first_id, __s32 skip_a, __s32 skip_b)
	{
		const __u32 end = btf__type_cnt(object);
		for (__u32 id = first_id; id < end; id++) {
			if (static_cast<__s32>(id) == skip_a || static_cast<__s32>(id) == skip_b)
				continue;
			const btf_type *type = btf__type_by_id(object, id);
			if (type && (btf_is_enum(type) || btf_is_enum64(type)))
				scan_enum(object, type);
		}
	}

	// Hands the unambiguous claims to the table.
	void finish()
	{
		for (const auto &[subsystem, claim] : claims_) {
			if (claim.ambiguous)
				continue;
			for (const auto &[value, name] : claim.reasons)
				table_.add_reason(value, name);
		}
	}

private:
	struct Claim {
		// (code, name) in enum order, placeholders and bounds left out.
		std::vector<std::pair<uint32_t, std::string>> reasons;
		bool ambiguous = false;
	};

	bool known_subsystem(uint32_t id) const
	{
		return id != 0 && id <= UINT16_MAX &&
		       !table_.table().subsystem_name(static_cast<uint16_t>(id)).empty();
	}

	static bool mentions_drop(std::string_view name)
	{
		for (size_t i = 0; i + 4 <= name.size(); i++) {
			if (equals_ignoring_case(name.substr(i, 4), "drop"))
				return true;
		}
		return false;
	}

	void scan_enum(const btf *object, const btf_type *type)
	{
		const std::vector<Enumerator> all = enumerators_of(object, type);
		const bool enum_mentions_drop =
			mentions_drop(btf__name_by_offset(object, type->name_off));
		std::vector<uint32_t> seen;
		for (const Enumerator &first : all) {
			const uint32_t subsystem = first.value >> subsystem_shift;
			if (!known_subsystem(subsystem) ||
			    std::find(seen.begin(), seen.end(), subsystem) != seen.end())
				continue;
			seen.push_back(subsystem);

			std::vector<uint32_t> offsets;
			bool drop = enum_mentions_drop;
			for (const Enumerator &e : all) {
				if (e.value >> subsystem_shift != subsystem)
					continue;
				offsets.push_back(e.value & reason_mask);
				drop = drop || mentions_drop(e.name);
			}
			std::sort(offsets.begin(), offsets.end());
			offsets.erase(std::unique(offsets.begin(), offsets.end()), offsets.end());
			// Starts at the base, at least three values, no gap.
			if (!drop || offsets.size() < 3 || offsets.front() != 0 ||
			    offsets.back() != offsets.size() - 1)
				continue;

			Claim claim;
			for (const Enumerator &e : all) {
				if (e.value >> subsystem_shift == subsystem &&
				    !is_bound_or_placeholder(e.name))
					claim.reasons.emplace_back(e.value, std::string(e.name));
			}
			add_claim(subsystem, std::move(claim));
		}
	}

	void add_claim(uint32_t subsystem, Claim claim)
	{
		const auto [existing, added] = claims_.try_emplace(subsystem, std::move(claim));
		// The same enum seen twice (two modules built from one
		// header) is no conflict; two different ones are.
		if (!added && existing->second.reasons != claim.reasons)
			existing->second.ambiguous = true;
	}

	DropReasonsBuilder &table_;
	std::map<uint32_t, Claim> claims_;
};

} // namespace

// The module BTF files of `btf_dir` (all but vmlinux), in name order for
// reproducible runs.
std::vector<std::string> module_btf_files(const std::string &btf_dir)
{
	std::vector<std::string> modules;
	if (DIR *dir = opendir(btf_dir.c_str())) {
		while (const dirent *entry = readdir(dir)) {
			const std::string_view name = entry->d_name;
			if (name != "." && name != ".." && name != "vmlinux")
				modules.emplace_back(name);
		}
		closedir(dir);
	}
	std::sort(modules.begin(), modules.end());
	return modules;
}

DropReasons from_btf(const std::string &btf_dir)
{
	const std::string vmlinux_path = btf_dir + "/vmlinux";
	BtfPtr vmlinux(btf__parse_raw(vmlinux_path.c_str()));
	if (!vmlinux)
		throw RuntimeError(fmt::format("cannot read kernel BTF {}: {}", vmlinux_path,
					       std::strerror(errno)));
	return from_parsed_btf(*vmlinux, vmlinux_path, btf_dir);
}

DropReasons from_parsed_btf(btf &vmlinux_btf, const std::string &vmlinux_path,
			    const std::string &btf_dir)
{
	// Not changed: libbpf only takes the base of split BTF as non-const.
	btf *const vmlinux = &vmlinux_btf;
	DropReasonsBuilder table("btf", vmlinux_path);

	__s32 reasons_id = -1;
	const btf_type *reasons = find_enum(vmlinux, "skb_drop_reason", &reasons_id);
	if (!reasons)
		throw RuntimeError(fmt::format(
			"{} has no enum skb_drop_reason (kernel before 5.17?)", vmlinux_path));
	for (const Enumerator &e : enumerators_of(vmlinux, reasons)) {
		// SKB_DROP_REASON_SUBSYS_MASK shares the enum; core reasons
		// are the codes of subsystem 0.
		if (e.value > reason_mask || is_bound_or_placeholder(e.name))
			continue;
		table.add_reason(e.value, without_core_prefix(e.name));
	}
	if (table.table().empty())
		throw RuntimeError(
			fmt::format("{}: enum skb_drop_reason names no reason", vmlinux_path));

	__s32 subsystems_id = -1;
	const btf_type *subsystems = find_enum(vmlinux, "skb_drop_reason_subsys", &subsystems_id);
	if (!subsystems)
		return table.take(); // before 6.6: every reason is a core one
	for (const Enumerator &e : enumerators_of(vmlinux, subsystems)) {
		if (e.value > reason_mask || is_bound_or_placeholder(e.name))
			continue;
		std::string_view name = e.name;
		if (name.substr(0, subsystem_prefix.size()) == subsystem_prefix)
			name.remove_prefix(subsystem_prefix.size());
		table.add_subsystem(static_cast<uint16_t>(e.value), name);
	}
	if (table.table().subsystem_count() < 2)
		return table.take();

	// Built-in subsystems have their enums in vmlinux, modules in their
	// own split BTF (read in name order, for reproducible runs).
	SubsystemEnums reader(table);
	reader.scan(vmlinux, 1, reasons_id, subsystems_id);
	const __u32 first_module_id = btf__type_cnt(vmlinux);
	for (const std::string &module : module_btf_files(btf_dir)) {
		const std::string path = btf_dir + "/" + module;
		// A module whose BTF does not parse only loses its names:
		// its codes still read <SUBSYSTEM>:0x<n>.
		BtfPtr split(btf__parse_raw_split(path.c_str(), vmlinux));
		if (split)
			reader.scan(split.get(), first_module_id, -1, -1);
	}
	reader.finish();
	return table.take();
}

} // namespace nettrace::drop_reasons
