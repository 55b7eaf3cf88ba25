// SPDX-License-Identifier: MIT
// NETTRACE_CACHE_DIR for one test: a fresh directory, removed after, and
// the variable put back.
#pragma once

#include "tracer_run.hpp"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace nettrace::test {

class CacheDirectory {
public:
	CacheDirectory()
	{
		const char *old = std::getenv("NETTRACE_CACHE_DIR");
		old_ = old ? std::optional<std::string>(old) : std::nullopt;
	}
	~CacheDirectory()
	{
		if (old_)
			setenv("NETTRACE_CACHE_DIR", old_->c_str(), 1);
		else
			unsetenv("NETTRACE_CACHE_DIR");
	}
	CacheDirectory(const CacheDirectory &) = delete;
	CacheDirectory &operator=(const CacheDirectory &) = delete;

	// What nettrace will use; "" turns the cache off.
	void use(const std::string &dir) { setenv("NETTRACE_CACHE_DIR", dir.c_str(), 1); }
	const std::string &path() const { return dir_.path; }
	// Each file under it, with when it was last written.
	std::map<std::string, std::filesystem::file_time_type> files() const
	{
		std::map<std::string, std::filesystem::file_time_type> found;
		for (const auto &e : std::filesystem::recursive_directory_iterator(path()))
			if (e.is_regular_file())
				found[e.path().filename()] = e.last_write_time();
		return found;
	}
	// The full path of the file named `name` under it, or of the first
	// whose name starts with `name` when it ends in '*'; empty if none.
	std::string find(const std::string &name) const
	{
		const bool prefix = !name.empty() && name.back() == '*';
		const std::string wanted = prefix ? name.substr(0, name.size() - 1) : name;
		for (const auto &e : std::filesystem::recursive_directory_iterator(path())) {
			const std::string file = e.path().filename();
			if (e.is_regular_file() &&
			    (prefix ? file.rfind(wanted, 0) == 0 : file == wanted))
				return e.path();
		}
		return {};
	}

private:
	TempDir dir_;
	std::optional<std::string> old_;
};

} // namespace nettrace::test
