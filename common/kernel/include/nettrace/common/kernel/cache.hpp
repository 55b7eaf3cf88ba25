// SPDX-License-Identifier: MIT
// What one run learns about the running kernel, kept for the next run of
// the same kernel build: answers read from its 5 MB BTF and small BTF
// files for loading programs. With them a start-up parses no kernel BTF,
// which is most of the time it takes and the peak of its memory.
//
// The cache lives in /var/cache/nettrace/<kernel>/, or under
// $NETTRACE_CACHE_DIR; an empty NETTRACE_CACHE_DIR turns it off. <kernel>
// is the kernel's GNU build id (/sys/kernel/notes), else its release,
// version and BTF size, with the cache's format version. A directory
// another user owns, or that others may write to, is not used: what it
// holds decides how programs are loaded.
//
// Everything here is best effort: a cache that cannot be read or written
// costs time, never a failure, and never a wrong answer. facts.json holds
// a checksum of its answers, and the answers hold the size and checksum of
// each core BTF file (KernelBtf), so a file cut short or changed on disk
// is caught, named in one line on stderr, and made again. A directory that
// cannot be used or written is said once per process, on one line, and
// the run goes on without it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nettrace {

class KernelCache {
public:
	static constexpr const char *default_base = "/var/cache/nettrace";

	// The running kernel's directory, made if missing; nothing when the
	// cache is off or unusable. Decided once per process.
	static const std::optional<std::string> &directory();

	// 16 hex digits that differ when `bytes` differ, to name a file
	// made from them.
	static std::string content_key(std::string_view bytes);

	// Where `file` of the kernel's directory is; empty with no cache.
	static std::string path(std::string_view file);
	// A file of the kernel's directory, whole; nothing when absent.
	static std::optional<std::string> read(std::string_view file);
	// Writes a file of the kernel's directory in one step (a temporary
	// file renamed over it), so that a concurrent run reads the old file
	// or the new one, never half of one. (Two runs that both learn
	// something: the last to save wins, and the other's answers are
	// learned again next time.) False when not written; the first
	// failure is said on stderr and ends writing for the process.
	static bool write(std::string_view file, std::string_view bytes);

	// A remembered answer (any text), keyed by a question such as
	// "type_id/typedef/btf_trace_kfree_skb", kept in facts.json once
	// save() is called (KernelBtf's destructor does).
	static std::optional<std::string> recall(std::string_view question);
	static void remember(std::string_view question, std::string_view answer);
	static void forget(std::string_view question);
	static void save();

	// Says on stderr, once per file, that the kernel directory's `file`
	// is not as it was written (`why`) and will be made again.
	static void report_damaged(std::string_view file, std::string_view why);
};

} // namespace nettrace
