// SPDX-License-Identifier: MIT
// The table of drop reason names: lookups by code and by name. Filling it
// is the sources' job (drop_reasons/).
#include "drop_reasons/builder.hpp"
#include <nettrace/common/kernel/drop_reasons.hpp>

#include <nettrace/common/cli/text.hpp>
#include <nettrace/common/cli/text_match.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>

namespace nettrace {

using drop_reasons::subsystem_prefix;
using drop_reasons::without_core_prefix;

namespace {

// Names of unknown codes are kept so that name() can hand out views; a
// stream of garbage codes must not grow that without bound.
constexpr size_t max_unknown_names = 4096;

} // namespace

struct DropReasons::UnknownNames {
	std::mutex lock;
	// Node-based: a name's address never changes once made.
	std::unordered_map<uint32_t, std::string> names;
};

DropReasons::DropReasons() : subsystems_(1), unknown_(std::make_unique<UnknownNames>()) {}

DropReasons::DropReasons(DropReasons &&) noexcept = default;
DropReasons &DropReasons::operator=(DropReasons &&) noexcept = default;
DropReasons::~DropReasons() = default;

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
	reasons[reason] = names_.store(name);
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
		subsystems_[id].name = names_.store(name);
}

std::string_view DropReasons::name(uint32_t code) const
{
	const uint32_t id = code >> subsystem_shift;
	const uint32_t reason = code & reason_mask;
	if (id < subsystems_.size()) {
		const auto &reasons = subsystems_[id].reasons;
		if (reason < reasons.size() && reasons[reason].length != 0)
			return names_.view(reasons[reason]);
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
			const std::string_view candidate = names_.view(reasons[reason]);
			if (equals_ignoring_case(candidate, given) ||
			    (id == 0 && equals_ignoring_case(candidate, bare)))
				return static_cast<uint32_t>(id << subsystem_shift | reason);
		}
	}
	return std::nullopt;
}

std::vector<std::string_view> DropReasons::names() const
{
	std::vector<std::string_view> result;
	result.reserve(core_count_ + subsystem_reason_count_);
	for (const Entry &entry : entries())
		result.push_back(entry.name);
	return result;
}

std::vector<DropReasons::Entry> DropReasons::entries() const
{
	std::vector<Entry> result;
	result.reserve(core_count_ + subsystem_reason_count_);
	for (size_t id = 0; id < subsystems_.size(); id++) {
		const auto &reasons = subsystems_[id].reasons;
		for (size_t reason = 0; reason < reasons.size(); reason++) {
			if (reasons[reason].length != 0)
				result.push_back(
					{static_cast<uint32_t>(id << subsystem_shift | reason),
					 names_.view(reasons[reason])});
		}
	}
	return result;
}

std::vector<std::string_view> DropReasons::closest(std::string_view name, size_t max) const
{
	const std::string_view given = trim(name);
	const std::string_view bare = without_core_prefix(given);
	if (bare.empty() || max == 0)
		return {};
	// Reason names are long kernel identifiers of several words: a
	// third of the name may be wrong (NO_SOKET, SOCKET_FILTR, TCP_CSUMM)
	// however long it is, and two edits always, where typo_limit() allows
	// short options and commands at most three and one.
	const size_t limit = std::max<size_t>(2, bare.size() / 3);
	// As typed (SKB_CSUMM for SKB_CSUM) or without the prefix the kernel
	// sources have (SKB_DROP_REASON_NO_SOKET).
	return closest_matches({given, bare}, names(), max, limit);
}

std::vector<std::string_view> DropReasons::suggestions(std::string_view name) const
{
	std::vector<std::string_view> out =
		prefix_matches(without_core_prefix(trim(name)), names());
	return out.empty() ? closest(name) : out;
}

size_t DropReasons::subsystem_count() const noexcept
{
	return static_cast<size_t>(
		std::count_if(subsystems_.begin(), subsystems_.end(),
			      [](const Subsystem &s) { return s.name.length != 0; }));
}

std::string_view DropReasons::subsystem_name(uint16_t id) const noexcept
{
	if (id >= subsystems_.size())
		return {};
	return names_.view(subsystems_[id].name);
}

std::optional<uint16_t> DropReasons::subsystem_id(std::string_view name) const
{
	std::string_view given = trim(name);
	if (starts_with_ignoring_case(given, subsystem_prefix))
		given.remove_prefix(subsystem_prefix.size());
	for (size_t id = 0; id < subsystems_.size(); id++) {
		const StringArena::Ref ref = subsystems_[id].name;
		if (ref.length != 0 && equals_ignoring_case(names_.view(ref), given))
			return static_cast<uint16_t>(id);
	}
	return std::nullopt;
}

} // namespace nettrace
