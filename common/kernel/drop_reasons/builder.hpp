// SPDX-License-Identifier: MIT
// What the sources of a DropReasons table (btf.cpp, tracefs.cpp, cache.cpp)
// share: the naming rules of drop_reasons.hpp and the one door into a
// table's insides. Not installed: plugins get tables from
// DropReasons::load() only.
#pragma once

#include <nettrace/common/cli/text.hpp>
#include <nettrace/common/kernel/drop_reasons.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace nettrace {

namespace drop_reasons {

inline constexpr std::string_view core_prefix = "SKB_DROP_REASON_";
inline constexpr std::string_view state_prefix = "SKB_"; // SKB_CONSUMED
inline constexpr std::string_view subsystem_prefix = "SKB_DROP_REASON_SUBSYS_";

// What a user may type for a core reason: with or without the prefix the
// enum has in the kernel sources.
inline std::string_view without_core_prefix(std::string_view name)
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
inline bool is_bound_or_placeholder(std::string_view name)
{
	const auto ends_with = [name](std::string_view suffix) {
		return name.size() >= suffix.size() &&
		       name.substr(name.size() - suffix.size()) == suffix;
	};
	return name.substr(0, 2) == "__" || ends_with("_MAX") || ends_with("_NUM");
}

} // namespace drop_reasons

class DropReasonsBuilder {
public:
	// `source` is what DropReasons::source() will say ("btf",
	// "tracefs"), `origin` the file read.
	DropReasonsBuilder(std::string source, std::string origin)
	{
		table_.source_ = std::move(source);
		table_.origin_ = std::move(origin);
	}

	// First name given for a code wins, as the kernel's aliases do.
	void add_reason(uint32_t code, std::string_view name) { table_.add_reason(code, name); }
	void add_subsystem(uint16_t id, std::string_view name) { table_.add_subsystem(id, name); }
	const DropReasons &table() const noexcept { return table_; }
	DropReasons take() noexcept { return std::move(table_); }

	// A table with no names, saying why (unavailable_reason()).
	static DropReasons unavailable(std::string why)
	{
		DropReasons table;
		table.unavailable_reason_ = std::move(why);
		return table;
	}

	// Every subsystem with a name as (id, name), then every reason as
	// (code, name), in code order: the whole table, for writing it out.
	template <typename OnSubsystem, typename OnReason>
	static void visit(const DropReasons &table, OnSubsystem on_subsystem, OnReason on_reason)
	{
		const auto &subsystems = table.subsystems_;
		for (uint32_t id = 0; id < subsystems.size(); id++)
			if (subsystems[id].name.length)
				on_subsystem(static_cast<uint16_t>(id),
					     table.names_.view(subsystems[id].name));
		for (uint32_t id = 0; id < subsystems.size(); id++) {
			const auto &reasons = subsystems[id].reasons;
			for (uint32_t reason = 0; reason < reasons.size(); reason++)
				if (reasons[reason].length)
					on_reason(id << DropReasons::subsystem_shift | reason,
						  table.names_.view(reasons[reason]));
		}
	}

private:
	DropReasons table_;
};

} // namespace nettrace
