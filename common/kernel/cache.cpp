// SPDX-License-Identifier: MIT
#include <nettrace/common/kernel/cache.hpp>
#include <nettrace/common/kernel/paths.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <set>
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
	const std::string notes((std::istreambuf_iterator<char>(in)),
				std::istreambuf_iterator<char>());
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
				hex += fmt::format("{:02x}",
						   static_cast<unsigned char>(notes[desc_at + i]));
			return hex;
		}
		at = desc_at + align4(desc_size);
	}
	return {};
}

// Bumped when what the cache holds changes meaning (answers, the core BTF
// made for an object) or form (2: checksums), so that an upgraded
// nettrace starts afresh. Changing the form a table is kept in, such as
// drop_reasons::to_cache() (kernel/drop_reasons/cache.cpp), requires it too.
constexpr int cache_format = 2;

std::string kernel_identity()
{
	std::string kernel = kernel_build_id();
	if (kernel.empty()) {
		// Two builds may share a release and version string; their BTF
		// sizes are unlikely to match too.
		utsname names{};
		uname(&names);
		struct stat btf {};
		stat(kernel_paths::vmlinux_btf, &btf);
		kernel = fmt::format("{}-{}", names.release,
				     KernelCache::content_key(
					     fmt::format("{} {}", names.version, btf.st_size)));
	}
	return fmt::format("{}.v{}", kernel, cache_format);
}

// Said once per process: the run goes on without the cache, only slower.
void report_unusable(const std::string &dir, const std::string &why)
{
	static bool reported = false;
	if (reported)
		return;
	reported = true;
	fmt::print(stderr,
		   "nettrace: kernel cache {} not used: {}; each start parses the "
		   "kernel's BTF\n",
		   dir, why);
}

// Made if missing; usable only if it is ours and nobody else may write it.
// Empty when usable, else why not.
std::string why_unusable(const std::string &path)
{
	if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
		return std::strerror(errno);
	struct stat info {};
	if (lstat(path.c_str(), &info) != 0)
		return std::strerror(errno);
	if (!S_ISDIR(info.st_mode))
		return "not a directory";
	if (info.st_uid != geteuid())
		return "owned by another user";
	if (info.st_mode & (S_IWGRP | S_IWOTH))
		return "others may write to it";
	if (access(path.c_str(), W_OK) != 0)
		return std::strerror(errno);
	return {};
}

std::optional<std::string> find_directory()
{
	const char *env = std::getenv("NETTRACE_CACHE_DIR");
	const std::string base = env ? env : KernelCache::default_base;
	if (base.empty())
		return std::nullopt;
	const std::string kernel = base + "/" + kernel_identity();
	for (const std::string &dir : {base, kernel}) {
		if (const std::string why = why_unusable(dir); !why.empty()) {
			report_unusable(dir, why);
			return std::nullopt;
		}
	}
	return kernel;
}

bool facts_changed = false;
// Set by the first failed write: a full or read-only file system fails
// every later one too.
bool writes_failed = false;

// The checksum facts.json keeps of its answers: of their compact JSON,
// which one set of answers always dumps the same way.
std::string checksum_of(const nlohmann::json &answers)
{
	return KernelCache::content_key(
		answers.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// facts.json is {"checksum": ..., "facts": {question: answer, ...}}. A
// file of another form, or whose answers do not match their checksum, is
// reported, and its answers are learned again.
nlohmann::json load_facts()
{
	const std::optional<std::string> text = KernelCache::read(facts_file);
	if (!text)
		return nlohmann::json::object();
	const nlohmann::json file = nlohmann::json::parse(*text, nullptr, false);
	const char *why = nullptr;
	if (text->empty())
		why = "empty";
	else if (!file.is_object())
		why = "not JSON, or cut short";
	else if (!file.contains("facts") || !file["facts"].is_object() ||
		 !file.contains("checksum") || !file["checksum"].is_string())
		why = "no checksum";
	else if (file["checksum"] != checksum_of(file["facts"]))
		why = "checksum does not match";
	if (why) {
		KernelCache::report_damaged(facts_file, why);
		return nlohmann::json::object();
	}
	return file["facts"];
}

// facts.json, read once; questions are few and answers short. Never
// destroyed, so that saving works from any destructor.
nlohmann::json &facts()
{
	static auto *loaded = new nlohmann::json(load_facts());
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
	if (!directory() || writes_failed)
		return false;
	const std::string target = path(file);
	std::string temporary = target + ".XXXXXX";
	const int fd = mkstemp(temporary.data());
	int error = fd < 0 ? errno : 0;
	for (size_t done = 0; !error && done < bytes.size();) {
		const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
		error = n < 0 ? errno : n == 0 ? EIO : 0;
		done += n > 0 ? static_cast<size_t>(n) : 0;
	}
	if (fd >= 0 && close(fd) != 0 && !error)
		error = errno;
	if (!error && rename(temporary.c_str(), target.c_str()) != 0)
		error = errno;
	if (!error)
		return true;
	if (fd >= 0)
		unlink(temporary.c_str());
	writes_failed = true;
	report_unusable(*directory(),
			fmt::format("cannot write {}: {}", file, std::strerror(error)));
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

void KernelCache::forget(std::string_view question)
{
	if (facts().erase(std::string(question)))
		facts_changed = true;
}

void KernelCache::save()
{
	if (!facts_changed)
		return;
	const nlohmann::json file = {{"checksum", checksum_of(facts())}, {"facts", facts()}};
	if (write(facts_file, file.dump(1, ' ', false, nlohmann::json::error_handler_t::replace)))
		facts_changed = false;
}

void KernelCache::report_damaged(std::string_view file, std::string_view why)
{
	static auto *reported = new std::set<std::string, std::less<>>;
	if (!reported->emplace(file).second)
		return;
	fmt::print(stderr, "nettrace: kernel cache file {} damaged ({}): made again\n", path(file),
		   why);
}

} // namespace nettrace
