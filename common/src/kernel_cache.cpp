// SPDX-License-Identifier: MIT
#include <nettrace/common/kernel_cache.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace nettrace {

namespace {

constexpr const char *facts_file = "facts.json";

// The GNU build id note of the running kernel, in hex; empty if the kernel
// publishes none.
std::string kernel_build_id()
{
	std::ifstream in("/sys/kernel/notes", std::ios::binary);
	const std::string notes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	constexpr uint32_t gnu_build_id = 3;
	auto align4 = [](size_t n) { return (n + 3) & ~size_t(3); };
	size_t at = 0;
	while (at + 12 <= notes.size()) {
		uint32_t name_size, desc_size, type;
		std::memcpy(&name_size, notes.data() + at, 4);
		std::memcpy(&desc_size, notes.data() + at + 4, 4);
		std::memcpy(&type, notes.data() + at + 8, 4);
		const size_t name_at = at + 12;
		const size_t desc_at = name_at + align4(name_size);
		if (desc_at + desc_size > notes.size())
			break;
		if (type == gnu_build_id && name_size == 4 &&
		    std::memcmp(notes.data() + name_at, "GNU", 4) == 0) {
			std::string hex;
			for (size_t i = 0; i < desc_size; i++)
				hex += fmt::format("{:02x}", static_cast<unsigned char>(notes[desc_at + i]));
			return hex;
		}
		at = desc_at + align4(desc_size);
	}
	return {};
}

// Bumped when what the cache holds changes meaning (answers, the core BTF
// made for an object), so that an upgraded nettrace starts afresh.
constexpr int cache_format = 1;

std::string kernel_identity()
{
	std::string kernel = kernel_build_id();
	if (kernel.empty()) {
		// Two builds may share a release and version string; their BTF
		// sizes are unlikely to match too.
		utsname names{};
		uname(&names);
		struct stat btf{};
		stat("/sys/kernel/btf/vmlinux", &btf);
		kernel = fmt::format("{}-{}", names.release,
				     KernelCache::content_key(fmt::format("{} {}", names.version,
									  btf.st_size)));
	}
	return fmt::format("{}.v{}", kernel, cache_format);
}

// Made if missing; usable only if it is ours and nobody else may write it.
bool usable_directory(const std::string &path)
{
	mkdir(path.c_str(), 0700);
	struct stat info{};
	return lstat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode) &&
	       info.st_uid == geteuid() && (info.st_mode & (S_IWGRP | S_IWOTH)) == 0 &&
	       access(path.c_str(), W_OK) == 0;
}

std::optional<std::string> find_directory()
{
	const char *env = std::getenv("NETTRACE_CACHE_DIR");
	const std::string base = env ? env : KernelCache::default_base;
	if (base.empty())
		return std::nullopt;
	const std::string kernel = base + "/" + kernel_identity();
	if (!usable_directory(base) || !usable_directory(kernel))
		return std::nullopt;
	return kernel;
}

bool facts_changed = false;

// facts.json, read once; questions are few and answers short. Never
// destroyed, so that saving works from any destructor.
nlohmann::json &facts()
{
	static auto *loaded = new nlohmann::json([] {
		const std::optional<std::string> text = KernelCache::read(facts_file);
		nlohmann::json parsed = text ? nlohmann::json::parse(*text, nullptr, false)
					     : nlohmann::json::object();
		return parsed.is_object() ? parsed : nlohmann::json::object();
	}());
	return *loaded;
}

} // namespace

std::string KernelCache::content_key(std::string_view bytes)
{
	// FNV-1a: this tells apart files, not adversaries (see directory()).
	uint64_t hash = 14695981039346656037ull;
	for (unsigned char c : bytes)
		hash = (hash ^ c) * 1099511628211ull;
	return fmt::format("{:016x}", hash);
}

const std::optional<std::string> &KernelCache::directory()
{
	static const auto *found = new std::optional<std::string>(find_directory());
	return *found;
}

std::string KernelCache::path(std::string_view file)
{
	return directory() ? fmt::format("{}/{}", *directory(), file) : std::string();
}

std::optional<std::string> KernelCache::read(std::string_view file)
{
	if (!directory())
		return std::nullopt;
	std::ifstream in(path(file), std::ios::binary);
	if (!in)
		return std::nullopt;
	std::ostringstream text;
	text << in.rdbuf();
	return std::move(text).str();
}

bool KernelCache::write(std::string_view file, std::string_view bytes)
{
	if (!directory())
		return false;
	const std::string target = path(file);
	std::string temporary = target + ".XXXXXX";
	const int fd = mkstemp(temporary.data());
	if (fd < 0)
		return false;
	bool written = true;
	for (size_t done = 0; written && done < bytes.size();) {
		const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
		written = n > 0;
		done += written ? static_cast<size_t>(n) : 0;
	}
	written = close(fd) == 0 && written;
	if (written && rename(temporary.c_str(), target.c_str()) == 0)
		return true;
	unlink(temporary.c_str());
	return false;
}

std::optional<std::string> KernelCache::recall(std::string_view question)
{
	const nlohmann::json &known = facts();
	const auto found = known.find(question);
	if (found == known.end() || !found->is_string())
		return std::nullopt;
	return found->get<std::string>();
}

void KernelCache::remember(std::string_view question, std::string_view answer)
{
	// Kept in memory even with no cache: the process may ask again.
	facts()[std::string(question)] = answer;
	facts_changed = true;
}

void KernelCache::save()
{
	if (facts_changed && write(facts_file, facts().dump(1)))
		facts_changed = false;
}

} // namespace nettrace
