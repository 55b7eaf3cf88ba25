// SPDX-License-Identifier: MIT
#include <nettrace/common/kernel/drop_reasons.hpp>
#include <nettrace/common/kernel/btf.hpp>
#include <nettrace/common/kernel/cache.hpp>
#include <nettrace/common/cli/text_match.hpp>
#include <nettrace/errors.hpp>

#include <bpf/btf.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <dirent.h>
#include <sys/stat.h>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <unordered_map>

namespace nettrace {

namespace {

constexpr std::string_view core_prefix = "SKB_DROP_REASON_";
constexpr std::string_view state_prefix = "SKB_"; // SKB_CONSUMED
constexpr std::string_view subsystem_prefix = "SKB_DROP_REASON_SUBSYS_";

// Names of unknown codes are kept so that name() can hand out views; a
// stream of garbage codes must not grow that without bound.
constexpr size_t max_unknown_names = 4096;

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix)
{
	return text.size() >= prefix.size() &&
	       equals_ignoring_case(text.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view text)
{
	const auto space = [](char c) {
		return c == ' ' || c == '\t' || c == '\n' || c == '\r';
	};
	while (!text.empty() && space(text.front()))
		text.remove_prefix(1);
	while (!text.empty() && space(text.back()))
		text.remove_suffix(1);
	return text;
}

// What a user may type for a core reason: with or without the prefix the
// enum has in the kernel sources.
std::string_view without_core_prefix(std::string_view name)
{
	if (starts_with_ignoring_case(name, core_prefix))
		return name.substr(core_prefix.size());
	if (starts_with_ignoring_case(name, state_prefix))
		return name.substr(state_prefix.size());
	return name;
}

// Enumerators that bound or seed an enum rather than name a reason:
// SKB_DROP_REASON_MAX, SKB_DROP_REASON_SUBSYS_NUM, OVS_DROP_MAX and the
// `__OVS_DROP_REASON` / `___RX_DROP_UNUSABLE` base values that put a
// subsystem's reasons in its range.
bool is_bound_or_placeholder(std::string_view name)
{
	const auto ends_with = [name](std::string_view suffix) {
		return name.size() >= suffix.size() &&
		       name.substr(name.size() - suffix.size()) == suffix;
	};
	return name.substr(0, 2) == "__" || ends_with("_MAX") ||
	       ends_with("_NUM");
}

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
			result.push_back(Enumerator{
				btf__name_by_offset(object, entries[i].name_off),
				static_cast<uint32_t>(entries[i].val)});
		}
	} else if (btf_is_enum64(type)) {
		const struct btf_enum64 *entries = btf_enum64(type);
		for (unsigned i = 0; i < count; i++) {
			const uint64_t value = btf_enum64_value(&entries[i]);
			if (value > UINT32_MAX)
				continue;
			result.push_back(Enumerator{
				btf__name_by_offset(object, entries[i].name_off),
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

} // namespace

struct DropReasons::UnknownNames {
	std::mutex lock;
	// Node-based: a name's address never changes once made.
	std::unordered_map<uint32_t, std::string> names;
};

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
class DropReasons::BtfReader {
public:
	explicit BtfReader(DropReasons &table) : table_(table) {}

	void scan(const btf *object, __u32 first_id, __s32 skip_a, __s32 skip_b)
	{
		const __u32 end = btf__type_cnt(object);
		for (__u32 id = first_id; id < end; id++) {
			if (static_cast<__s32>(id) == skip_a ||
			    static_cast<__s32>(id) == skip_b)
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
		return id != 0 && id < table_.subsystems_.size() &&
		       table_.subsystems_[id].name.length != 0;
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
			    std::find(seen.begin(), seen.end(), subsystem) !=
				    seen.end())
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
			offsets.erase(std::unique(offsets.begin(), offsets.end()),
				      offsets.end());
			// Starts at the base, at least three values, no gap.
			if (!drop || offsets.size() < 3 || offsets.front() != 0 ||
			    offsets.back() != offsets.size() - 1)
				continue;

			Claim claim;
			for (const Enumerator &e : all) {
				if (e.value >> subsystem_shift == subsystem &&
				    !is_bound_or_placeholder(e.name))
					claim.reasons.emplace_back(e.value,
								   std::string(e.name));
			}
			add_claim(subsystem, std::move(claim));
		}
	}

	void add_claim(uint32_t subsystem, Claim claim)
	{
		const auto [existing, added] =
			claims_.try_emplace(subsystem, std::move(claim));
		// The same enum seen twice (two modules built from one
		// header) is no conflict; two different ones are.
		if (!added && existing->second.reasons != claim.reasons)
			existing->second.ambiguous = true;
	}

	DropReasons &table_;
	std::map<uint32_t, Claim> claims_;
};

const std::vector<std::string> &DropReasons::default_tracing_dirs()
{
	static const std::vector<std::string> dirs = {
		"/sys/kernel/tracing",
		"/sys/kernel/debug/tracing",
	};
	return dirs;
}

DropReasons::DropReasons()
	: subsystems_(1), unknown_(std::make_unique<UnknownNames>())
{
}

DropReasons::DropReasons(DropReasons &&) noexcept = default;
DropReasons &DropReasons::operator=(DropReasons &&) noexcept = default;
DropReasons::~DropReasons() = default;

DropReasons::NameRef DropReasons::store(std::string_view name)
{
	const NameRef ref{static_cast<uint32_t>(names_.size()),
			  static_cast<uint32_t>(name.size())};
	names_.append(name);
	return ref;
}

void DropReasons::add_reason(uint32_t code, std::string_view name)
{
	const uint32_t id = code >> subsystem_shift;
	const uint32_t reason = code & reason_mask;
	if (name.empty())
		return;
	if (subsystems_.size() <= id)
		subsystems_.resize(id + 1);
	auto &reasons = subsystems_[id].reasons;
	if (reasons.size() <= reason)
		reasons.resize(reason + 1);
	if (reasons[reason].length != 0)
		return;
	reasons[reason] = store(name);
	if (id == 0)
		core_count_++;
	else
		subsystem_reason_count_++;
}

void DropReasons::add_subsystem(uint16_t id, std::string_view name)
{
	if (subsystems_.size() <= id)
		subsystems_.resize(id + 1u);
	if (subsystems_[id].name.length == 0 && !name.empty())
		subsystems_[id].name = store(name);
}

DropReasons DropReasons::from_btf(const std::string &btf_dir)
{
	const std::string vmlinux_path = btf_dir + "/vmlinux";
	BtfPtr vmlinux(btf__parse_raw(vmlinux_path.c_str()));
	if (!vmlinux)
		throw RuntimeError(fmt::format("cannot read kernel BTF {}: {}",
					       vmlinux_path,
					       std::strerror(errno)));
	return from_parsed_btf(*vmlinux, vmlinux_path, btf_dir);
}

DropReasons DropReasons::from_parsed_btf(btf &vmlinux_btf,
					 const std::string &vmlinux_path,
					 const std::string &btf_dir)
{
	// Not changed: libbpf only takes the base of split BTF as non-const.
	btf *const vmlinux = &vmlinux_btf;
	DropReasons table;
	table.source_ = "btf";
	table.origin_ = vmlinux_path;

	__s32 reasons_id = -1;
	const btf_type *reasons =
		find_enum(vmlinux, "skb_drop_reason", &reasons_id);
	if (!reasons)
		throw RuntimeError(fmt::format(
			"{} has no enum skb_drop_reason (kernel before 5.17?)",
			vmlinux_path));
	for (const Enumerator &e : enumerators_of(vmlinux, reasons)) {
		// SKB_DROP_REASON_SUBSYS_MASK shares the enum; core reasons
		// are the codes of subsystem 0.
		if (e.value > reason_mask || is_bound_or_placeholder(e.name))
			continue;
		table.add_reason(e.value, without_core_prefix(e.name));
	}
	if (table.empty())
		throw RuntimeError(fmt::format(
			"{}: enum skb_drop_reason names no reason", vmlinux_path));

	__s32 subsystems_id = -1;
	const btf_type *subsystems = find_enum(
		vmlinux, "skb_drop_reason_subsys", &subsystems_id);
	if (!subsystems)
		return table; // before 6.6: every reason is a core one
	for (const Enumerator &e : enumerators_of(vmlinux, subsystems)) {
		if (e.value > reason_mask || is_bound_or_placeholder(e.name))
			continue;
		std::string_view name = e.name;
		if (name.substr(0, subsystem_prefix.size()) == subsystem_prefix)
			name.remove_prefix(subsystem_prefix.size());
		table.add_subsystem(static_cast<uint16_t>(e.value), name);
	}
	if (table.subsystem_count() < 2)
		return table;

	// Built-in subsystems have their enums in vmlinux, modules in their
	// own split BTF (read in name order, for reproducible runs).
	BtfReader reader(table);
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
	return table;
}

DropReasons DropReasons::from_tracefs_format(std::string_view format,
					     std::string origin)
{
	// print fmt: "... reason: %s", ..., __print_symbolic(REC->reason,
	//   { 2, "NOT_SPECIFIED" }, { 3, "NO_SOCKET" }, ..., { 128, "MAX" })
	constexpr std::string_view list_start = "__print_symbolic(REC->reason,";
	const size_t start = format.find(list_start);
	if (start == format.npos)
		throw RuntimeError(fmt::format(
			"{} has no __print_symbolic list for the reason field",
			origin));

	DropReasons table;
	table.source_ = "tracefs";
	table.origin_ = std::move(origin);
	std::string_view rest = format.substr(start + list_start.size());
	for (;;) {
		while (!rest.empty() &&
		       (rest.front() == ',' || rest.front() == ' ' ||
			rest.front() == '\t' || rest.front() == '\n'))
			rest.remove_prefix(1);
		if (rest.empty() || rest.front() != '{')
			break; // the closing parenthesis, or something unknown
		const size_t close = rest.find('}');
		if (close == rest.npos)
			break;
		const std::string_view entry = rest.substr(1, close - 1);
		rest.remove_prefix(close + 1);

		const size_t comma = entry.find(',');
		const size_t open_quote = entry.find('"', comma);
		const size_t close_quote =
			open_quote == entry.npos ? entry.npos
						 : entry.find('"', open_quote + 1);
		if (comma == entry.npos || close_quote == entry.npos)
			continue;
		std::string_view number = trim(entry.substr(0, comma));
		const std::string_view name = entry.substr(
			open_quote + 1, close_quote - open_quote - 1);
		int base = 10;
		if (number.substr(0, 2) == "0x" || number.substr(0, 2) == "0X") {
			number.remove_prefix(2);
			base = 16;
		}
		uint32_t value = 0;
		const auto parsed = std::from_chars(
			number.data(), number.data() + number.size(), value, base);
		// Kernels whose trace event did not resolve an enum name to
		// its value print the name instead: nothing to learn there.
		if (parsed.ec != std::errc() ||
		    parsed.ptr != number.data() + number.size())
			continue;
		if (value > reason_mask || is_bound_or_placeholder(name) ||
		    name == "MAX")
			continue;
		// Already without the SKB_DROP_REASON_ prefix, and some
		// reasons start with SKB_ themselves (SKB_CSUM).
		table.add_reason(value, name);
	}
	if (table.empty())
		throw RuntimeError(fmt::format(
			"{} lists no numeric drop reason codes", table.origin_));
	return table;
}

DropReasons DropReasons::from_tracefs(const std::vector<std::string> &tracing_dirs)
{
	std::string tried;
	for (const std::string &dir : tracing_dirs) {
		const std::string path = dir + "/events/skb/kfree_skb/format";
		std::ifstream file(path);
		if (!file) {
			tried += fmt::format("{}{}: {}", tried.empty() ? "" : ", ",
					     path, std::strerror(errno));
			continue;
		}
		std::ostringstream text;
		text << file.rdbuf();
		return from_tracefs_format(text.str(), path);
	}
	throw RuntimeError(fmt::format(
		"no skb:kfree_skb trace event format ({}); is tracefs mounted? "
		"(mount -t tracefs nodev /sys/kernel/tracing)",
		tried.empty() ? "no directory to look in" : tried));
}

DropReasons DropReasons::load(const std::string &btf_dir,
			      const std::vector<std::string> &tracing_dirs)
{
	return load_with_fallback([&] { return from_btf(btf_dir); }, tracing_dirs);
}

DropReasons DropReasons::load(btf *vmlinux)
{
	return load_with_fallback(
		[&] {
			if (!vmlinux)
				throw RuntimeError(fmt::format(
					"no kernel BTF ({}/vmlinux)", default_btf_dir));
			return from_parsed_btf(*vmlinux, std::string(default_btf_dir) + "/vmlinux",
					       default_btf_dir);
		},
		default_tracing_dirs());
}

namespace {

constexpr const char *remembered_question = "drop_reasons";

// Each module BTF's name and size: reasons of modules loaded since the
// table was remembered must not be missed.
std::string module_btf_list(const std::string &btf_dir)
{
	std::string list;
	for (const std::string &module : module_btf_files(btf_dir)) {
		struct stat file{};
		if (stat((btf_dir + "/" + module).c_str(), &file) == 0)
			list += fmt::format("{}{}:{}", list.empty() ? "" : " ", module, file.st_size);
	}
	return list;
}

} // namespace

DropReasons DropReasons::load(const KernelBtf &kernel)
{
	const std::string modules = module_btf_list(default_btf_dir);
	if (const std::optional<std::string> text = KernelCache::recall(remembered_question))
		if (std::optional<DropReasons> table = from_saved(*text, modules))
			return std::move(*table);
	DropReasons table = load(kernel.vmlinux());
	if (!table.empty())
		KernelCache::remember(remembered_question, table.saved(modules));
	return table;
}

std::string DropReasons::saved(const std::string &modules) const
{
	nlohmann::json subsystems = nlohmann::json::array(), reasons = nlohmann::json::array();
	for (uint32_t id = 0; id < subsystems_.size(); id++) {
		const Subsystem &subsystem = subsystems_[id];
		if (subsystem.name.length)
			subsystems.push_back({id, view(subsystem.name)});
		for (uint32_t reason = 0; reason < subsystem.reasons.size(); reason++)
			if (subsystem.reasons[reason].length)
				reasons.push_back({id << subsystem_shift | reason,
						   view(subsystem.reasons[reason])});
	}
	return nlohmann::json{{"modules", modules},
			      {"source", source_},
			      {"origin", origin_},
			      {"subsystems", subsystems},
			      {"reasons", reasons}}
		.dump();
}

std::optional<DropReasons> DropReasons::from_saved(std::string_view text,
						   const std::string &modules)
{
	const nlohmann::json saved = nlohmann::json::parse(text, nullptr, false);
	try {
		if (!saved.is_object() || saved.at("modules") != modules)
			return std::nullopt;
		DropReasons table;
		table.source_ = saved.at("source").get<std::string>();
		table.origin_ = saved.at("origin").get<std::string>();
		for (const nlohmann::json &s : saved.at("subsystems"))
			table.add_subsystem(s.at(0).get<uint16_t>(), s.at(1).get<std::string>());
		for (const nlohmann::json &r : saved.at("reasons"))
			table.add_reason(r.at(0).get<uint32_t>(), r.at(1).get<std::string>());
		if (table.empty())
			return std::nullopt;
		return table;
	} catch (const nlohmann::json::exception &) {
		return std::nullopt; // written by another version: read the BTF
	}
}

DropReasons DropReasons::load_with_fallback(const std::function<DropReasons()> &from_kernel_btf,
					    const std::vector<std::string> &tracing_dirs)
{
	std::string btf_error;
	try {
		return from_kernel_btf();
	} catch (const RuntimeError &e) {
		btf_error = e.what();
	}
	std::string tracefs_error;
	try {
		return from_tracefs(tracing_dirs);
	} catch (const RuntimeError &e) {
		tracefs_error = e.what();
	}
	DropReasons table;
	table.unavailable_reason_ =
		fmt::format("drop reason names unavailable: {}; {}", btf_error,
			    tracefs_error);
	return table;
}

DropReasons DropReasons::load()
{
	return load(default_btf_dir, default_tracing_dirs());
}

std::string_view DropReasons::name(uint32_t code) const
{
	const uint32_t id = code >> subsystem_shift;
	const uint32_t reason = code & reason_mask;
	if (id < subsystems_.size()) {
		const auto &reasons = subsystems_[id].reasons;
		if (reason < reasons.size() && reasons[reason].length != 0)
			return view(reasons[reason]);
	}
	return unknown_name(code);
}

std::string_view DropReasons::unknown_name(uint32_t code) const
{
	constexpr std::string_view fallback = "UNKNOWN";
	if (!unknown_)
		return fallback; // moved-from
	std::lock_guard<std::mutex> guard(unknown_->lock);
	auto &names = unknown_->names;
	if (const auto found = names.find(code); found != names.end())
		return found->second;
	if (names.size() >= max_unknown_names)
		return fallback;

	const uint32_t id = code >> subsystem_shift;
	const uint32_t reason = code & reason_mask;
	std::string text;
	if (id == 0)
		text = fmt::format("UNKNOWN_{}", code);
	else if (const auto subsystem = subsystem_name(static_cast<uint16_t>(id));
		 !subsystem.empty())
		text = fmt::format("{}:{:#06x}", subsystem, reason);
	else
		text = fmt::format("UNKNOWN_SUBSYS_{}:{:#06x}", id, reason);
	return names.emplace(code, std::move(text)).first->second;
}

std::optional<uint32_t> DropReasons::code(std::string_view name) const
{
	const std::string_view given = trim(name);
	if (given.empty())
		return std::nullopt;
	const std::string_view bare = without_core_prefix(given);
	for (size_t id = 0; id < subsystems_.size(); id++) {
		const auto &reasons = subsystems_[id].reasons;
		for (size_t reason = 0; reason < reasons.size(); reason++) {
			if (reasons[reason].length == 0)
				continue;
			const std::string_view candidate = view(reasons[reason]);
			if (equals_ignoring_case(candidate, given) ||
			    (id == 0 && equals_ignoring_case(candidate, bare)))
				return static_cast<uint32_t>(
					id << subsystem_shift | reason);
		}
	}
	return std::nullopt;
}

std::vector<std::string_view> DropReasons::names() const
{
	std::vector<std::string_view> result;
	result.reserve(core_count_ + subsystem_reason_count_);
	for (const Subsystem &subsystem : subsystems_) {
		for (const NameRef &reason : subsystem.reasons) {
			if (reason.length != 0)
				result.push_back(view(reason));
		}
	}
	return result;
}

std::vector<std::string_view> DropReasons::closest(std::string_view name,
						   size_t max) const
{
	const std::string_view given = trim(name);
	const std::string_view bare = without_core_prefix(given);
	if (bare.empty() || max == 0)
		return {};
	// A third of the name may be wrong (NO_SOKET, SOCKET_FILTR,
	// TCP_CSUMM); beyond that suggestions stop looking like typos.
	const size_t limit = std::max<size_t>(2, bare.size() / 3);
	std::vector<std::pair<size_t, std::string_view>> ranked;
	for (const std::string_view candidate : names()) {
		// As typed (SKB_CSUMM for SKB_CSUM) or without the prefix
		// the kernel sources have (SKB_DROP_REASON_NO_SOKET).
		const size_t distance =
			std::min(edit_distance(given, candidate),
				 edit_distance(bare, candidate));
		if (distance <= limit)
			ranked.emplace_back(distance, candidate);
	}
	std::stable_sort(ranked.begin(), ranked.end(),
			 [](const auto &a, const auto &b) {
				 return a.first < b.first;
			 });
	std::vector<std::string_view> result;
	for (size_t i = 0; i < ranked.size() && i < max; i++)
		result.push_back(ranked[i].second);
	return result;
}

size_t DropReasons::subsystem_count() const noexcept
{
	return static_cast<size_t>(std::count_if(
		subsystems_.begin(), subsystems_.end(),
		[](const Subsystem &s) { return s.name.length != 0; }));
}

std::string_view DropReasons::subsystem_name(uint16_t id) const noexcept
{
	if (id >= subsystems_.size())
		return {};
	return view(subsystems_[id].name);
}

std::optional<uint16_t> DropReasons::subsystem_id(std::string_view name) const
{
	std::string_view given = trim(name);
	if (starts_with_ignoring_case(given, subsystem_prefix))
		given.remove_prefix(subsystem_prefix.size());
	for (size_t id = 0; id < subsystems_.size(); id++) {
		const NameRef ref = subsystems_[id].name;
		if (ref.length != 0 && equals_ignoring_case(view(ref), given))
			return static_cast<uint16_t>(id);
	}
	return std::nullopt;
}

} // namespace nettrace
