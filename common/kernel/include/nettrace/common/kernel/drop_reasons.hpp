// SPDX-License-Identifier: MIT
// Names for `enum skb_drop_reason` codes, taken from the running kernel.
//
// The enum is renumbered between kernel versions (values are inserted in
// the middle), so a table compiled into the tool names most codes wrongly
// on some kernel. The names come from kernel BTF; the tracefs format of
// skb:kfree_skb is the fallback when there is no BTF.
//
// Naming:
//   - Core reasons lose their `SKB_DROP_REASON_` prefix (NO_SOCKET, and
//     SKB_CSUM from SKB_DROP_REASON_SKB_CSUM), as in the kernel's own
//     trace output; the two values that are no drop, SKB_NOT_DROPPED_YET
//     and SKB_CONSUMED, lose their `SKB_` (NOT_DROPPED_YET, CONSUMED) to
//     read like the rest. The trace format does not list those two.
//   - Reasons of a subsystem (the high 16 bits of a code select one in
//     `enum skb_drop_reason_subsys`) keep their whole enumerator name
//     (OVS_DROP_LAST_ACTION, RX_DROP_U_MIC_FAIL), as drop_monitor does:
//     subsystems share no prefix convention.
//   - Bounds and placeholders are not reasons and get no name:
//     SKB_DROP_REASON_MAX, the SUBSYS_MASK, `__`-prefixed base values
//     and `*_MAX` ends of subsystem enums.
//   - A code without a name reads UNKNOWN_<code> (core),
//     <SUBSYSTEM>:0x<low 16 bits> when only its subsystem is known (its
//     module is not loaded), or UNKNOWN_SUBSYS_<id>:0x<low 16 bits>.
#pragma once

#include <nettrace/common/kernel/string_arena.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nettrace {

class KernelBtf;

class DropReasons {
public:
	// The high bits of a code name its subsystem (the kernel's
	// SKB_DROP_REASON_SUBSYS_SHIFT).
	static constexpr unsigned subsystem_shift = 16;
	static constexpr uint32_t reason_mask = (1u << subsystem_shift) - 1;

	// From kernel BTF (vmlinux and the modules' split BTF), else from
	// the tracefs format of skb:kfree_skb, remembered per kernel build
	// and set of module BTFs (KernelCache): vmlinux BTF is parsed only
	// when nothing is. Never throws: when neither source works the table
	// is empty, every code reads UNKNOWN_*, and unavailable_reason() says
	// what was tried and why it failed.
	static DropReasons load(const KernelBtf &kernel);

	DropReasons();
	DropReasons(DropReasons &&) noexcept;
	DropReasons &operator=(DropReasons &&) noexcept;
	~DropReasons();

	// Never empty and never allocates once a code has been seen: names
	// of unknown codes are made once and kept for the table's lifetime
	// (up to a bound, after which they all read UNKNOWN).
	std::string_view name(uint32_t code) const;
	// Case-insensitive; the SKB_DROP_REASON_ prefix may be given.
	std::optional<uint32_t> code(std::string_view name) const;
	// Core reasons in code order, then each subsystem's.
	std::vector<std::string_view> names() const;
	struct Entry {
		uint32_t code;
		std::string_view name;
	};
	// The same, each with its code (for listing them).
	std::vector<Entry> entries() const;
	// Up to `max` names nearest to `name` by edit distance, nearest
	// first, for "unknown reason 'NO_SOKET'; did you mean NO_SOCKET?".
	// Empty when nothing is close enough to be a plausible typo.
	std::vector<std::string_view> closest(std::string_view name, size_t max = 3) const;
	// What an unknown `name` may have meant: the reasons it is the
	// beginning of ("TCP" for the TCP_* ones, "netfilter" for
	// NETFILTER_DROP), else closest().
	std::vector<std::string_view> suggestions(std::string_view name) const;

	// "btf", "tracefs", or empty when nothing could be loaded.
	std::string_view source() const noexcept { return source_; }
	// The file the table was read from (for messages).
	const std::string &origin() const noexcept { return origin_; }
	bool empty() const noexcept { return core_count_ == 0; }
	// Why the table is empty; empty when it is not.
	const std::string &unavailable_reason() const noexcept { return unavailable_reason_; }

	size_t core_count() const noexcept { return core_count_; }
	// Entries of enum skb_drop_reason_subsys, CORE included; 0 when the
	// kernel has none (before 6.6) or the source is tracefs.
	size_t subsystem_count() const noexcept;
	// Reasons found in subsystem enums (module BTF or built-in).
	size_t subsystem_reason_count() const noexcept { return subsystem_reason_count_; }
	// Empty when `id` names no subsystem.
	std::string_view subsystem_name(uint16_t id) const noexcept;
	// Case-insensitive, with or without SKB_DROP_REASON_SUBSYS_.
	std::optional<uint16_t> subsystem_id(std::string_view name) const;

private:
	// Fills a table from one of its sources (BTF, tracefs, the kernel
	// cache); defined beside them, not installed.
	friend class DropReasonsBuilder;

	struct Subsystem {
		StringArena::Ref name; // of the subsystem, not always known for CORE
		std::vector<StringArena::Ref> reasons; // indexed by the low 16 bits
	};
	struct UnknownNames;

	// First name given for a code wins, as the kernel's aliases do.
	void add_reason(uint32_t code, std::string_view name);
	void add_subsystem(uint16_t id, std::string_view name);
	std::string_view unknown_name(uint32_t code) const;

	StringArena names_; // every name
	// Indexed by subsystem id; [0] is CORE and always there.
	std::vector<Subsystem> subsystems_;
	size_t core_count_ = 0;
	size_t subsystem_reason_count_ = 0;
	std::string source_;
	std::string origin_;
	std::string unavailable_reason_;
	std::unique_ptr<UnknownNames> unknown_;
};

} // namespace nettrace
