// SPDX-License-Identifier: MIT
#include <nettrace/common/kernel/btf.hpp>

#include <nettrace/common/kernel/cache.hpp>
#include <nettrace/common/kernel/core_btf.hpp>
#include <nettrace/common/kernel/startup_heap.hpp>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <string>

namespace nettrace {

namespace {

// Whether `question` was answered before, with its answer in `answer`: a
// whole number, or "none" for nothing. An unreadable answer counts as
// never given.
bool recall_number(const std::string &question, std::optional<int> &answer)
{
	const std::optional<std::string> text = KernelCache::recall(question);
	if (!text)
		return false;
	answer.reset();
	if (*text == "none")
		return true;
	int value = 0;
	const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
	if (error != std::errc() || end != text->data() + text->size())
		return false;
	answer = value;
	return true;
}

void remember_number(const std::string &question, std::optional<int> value)
{
	KernelCache::remember(question, value ? std::to_string(*value) : "none");
}

// The answer that keeps what a core BTF file held when written: its size
// and checksum, so that a file cut short or changed on disk is made again,
// never handed to libbpf.
std::string written_question(std::string_view file)
{
	return fmt::format("written/{}", file);
}

std::string size_and_checksum(std::string_view bytes)
{
	return fmt::format("{} {}", bytes.size(), KernelCache::content_key(bytes));
}

// Whether the cache's `file` is as it was written. One that differs is
// reported; one with nothing kept about it (the run that made it did not
// save its answers, or they were lost) is made again without a word.
bool kept_intact(const std::string &file)
{
	const std::optional<std::string> bytes = KernelCache::read(file);
	const std::optional<std::string> written = KernelCache::recall(written_question(file));
	if (!bytes || !written)
		return false;
	const std::string found = size_and_checksum(*bytes);
	if (found == *written)
		return true;
	const std::string size = written->substr(0, written->find(' '));
	KernelCache::report_damaged(file, size == std::to_string(bytes->size())
						  ? std::string("checksum does not match")
						  : fmt::format("{} bytes where {} were written",
								bytes->size(), size));
	return false;
}

// Removes the core BTF files of other builds of the object `name` than
// `kept`: each nettrace upgrade would leave one behind.
void forget_other_builds_of(std::string_view name, const std::string &kept)
{
	const std::string prefix = fmt::format("core-{}-", name);
	DIR *dir = opendir(KernelCache::directory()->c_str());
	if (!dir)
		return;
	while (const dirent *entry = readdir(dir)) {
		const std::string_view file = entry->d_name;
		if (file.substr(0, prefix.size()) == prefix && file != kept &&
		    file.size() == kept.size() && file.substr(file.size() - 4) == ".btf") {
			unlinkat(dirfd(dir), entry->d_name, 0);
			KernelCache::forget(written_question(file));
		}
	}
	closedir(dir);
}

} // namespace

namespace {
unsigned vmlinux_parses = 0;
} // namespace

KernelBtf::KernelBtf() = default;

unsigned KernelBtf::parses()
{
	return vmlinux_parses;
}

KernelBtf::~KernelBtf()
{
	KernelCache::save();
	btf__free(btf_);
}

bool KernelBtf::available()
{
	struct stat file {};
	return stat(vmlinux_path, &file) == 0;
}

btf *KernelBtf::vmlinux() const
{
	if (!parsed_) {
		parsed_ = true;
		// Without the file there is nothing to parse: libbpf would look
		// elsewhere and print a line of its own before the command's one
		// error about the missing BTF.
		struct stat file {};
		if (stat(vmlinux_path, &file) != 0)
			return nullptr;
		keep_heap_for_btf_parsing(static_cast<std::size_t>(file.st_size));
		btf_ = btf__load_vmlinux_btf();
		++vmlinux_parses;
	}
	return btf_;
}

std::optional<int> KernelBtf::type_id(int kind, std::string_view name) const
{
	const std::string question = fmt::format("type_id/{}/{}", kind, name); // BTF_KIND_*
	if (std::optional<int> known; recall_number(question, known))
		return known;
	if (!vmlinux())
		return std::nullopt; // not remembered: BTF may appear later
	const int id = btf__find_by_name_kind(btf_, std::string(name).c_str(), kind);
	const std::optional<int> answer = id > 0 ? std::optional<int>(id) : std::nullopt;
	remember_number(question, answer);
	return answer;
}

std::optional<int> KernelBtf::tracepoint_arg_count(std::string_view name) const
{
	const std::string question = fmt::format("tracepoint_args/{}", name);
	if (std::optional<int> known; recall_number(question, known))
		return known;
	const std::optional<int> id = type_id(BTF_KIND_TYPEDEF, fmt::format("btf_trace_{}", name));
	if (!id || !vmlinux())
		return std::nullopt;
	// typedef -> pointer -> function prototype (void *ctx, args...)
	const btf_type *t = btf__type_by_id(btf_, *id);
	t = t ? btf__type_by_id(btf_, t->type) : nullptr;
	t = t && btf_is_ptr(t) ? btf__type_by_id(btf_, t->type) : nullptr;
	const std::optional<int> answer =
		t && btf_is_func_proto(t) ? std::optional<int>(btf_vlen(t) - 1) : std::nullopt;
	remember_number(question, answer);
	return answer;
}

bool KernelBtf::has_function(std::string_view name) const
{
	return type_id(BTF_KIND_FUNC, name).has_value();
}

std::optional<std::string> KernelBtf::core_btf_path(std::string_view name,
						    std::string_view elf) const
{
	const std::string file = fmt::format("core-{}-{}.btf", name, KernelCache::content_key(elf));
	// Checked here, then read again by libbpf: a run that writes it
	// meanwhile renames the same bytes over it.
	if (KernelCache::directory() && kept_intact(file))
		return KernelCache::path(file);
	// Made once per process when not kept in the cache.
	static auto *in_memory = new std::map<std::string, std::string>;
	if (const auto made = in_memory->find(file); made != in_memory->end())
		return made->second;
	if (!vmlinux())
		return std::nullopt;
	const std::optional<std::string> made = core_btf_for(*btf_, elf);
	if (!made)
		return std::nullopt;
	if (KernelCache::write(file, *made)) {
		KernelCache::remember(written_question(file), size_and_checksum(*made));
		forget_other_builds_of(name, file);
		return KernelCache::path(file);
	}
	// No cache: from memory, it still spares libbpf a parse of its own.
	// Open for the life of the process: an object is loaded some time
	// after it is opened, and may be opened again.
	const int fd = memfd_create("nettrace-core-btf", MFD_CLOEXEC);
	if (fd < 0)
		return std::nullopt;
	if (write(fd, made->data(), made->size()) != static_cast<ssize_t>(made->size())) {
		close(fd);
		return std::nullopt;
	}
	return in_memory->emplace(file, fmt::format("/proc/self/fd/{}", fd)).first->second;
}

} // namespace nettrace
