// SPDX-License-Identifier: MIT
#include "plugin_dirs.hpp"

#include <nettrace/errors.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nettrace::driver {

namespace fs = std::filesystem;

namespace {

bool is_existing_dir(const fs::path &p)
{
	std::error_code ec;
	return fs::is_directory(p, ec);
}

} // namespace

fs::path own_binary_dir()
{
	std::error_code ec;
	fs::path exe = fs::read_symlink("/proc/self/exe", ec);
	return ec ? fs::path() : exe.parent_path();
}

bool running_from_build_tree()
{
	const fs::path bin_dir = own_binary_dir();
	std::error_code ec;
	return !bin_dir.empty() && fs::equivalent(bin_dir, NETTRACE_BUILD_DIR, ec);
}

std::vector<PluginDir> plugin_search_path(const std::vector<std::string> &option_dirs)
{
	std::vector<PluginDir> dirs;
	for (const std::string &d : option_dirs) {
		std::error_code ec;
		if (!is_existing_dir(d))
			throw UsageError(fmt::format("--plugin-dir: '{}': {}", d,
						     fs::exists(d, ec)
							     ? "not a directory"
							     : "No such file or directory"));
		dirs.push_back({d, DirOrigin::Option});
	}
	if (const char *env = std::getenv("NETTRACE_PLUGIN_PATH")) {
		std::string_view rest = env;
		while (!rest.empty()) {
			const auto colon = rest.find(':');
			const std::string_view entry = rest.substr(0, colon);
			if (!entry.empty() && is_existing_dir(fs::path(entry)))
				dirs.push_back({fs::path(entry), DirOrigin::Environment});
			rest = colon == std::string_view::npos ? "" : rest.substr(colon + 1);
		}
	}
	// A build tree's driver runs the plugins built beside it and nothing
	// installed, which would shadow or be shadowed by them.
	if (running_from_build_tree()) {
		if (is_existing_dir(NETTRACE_BUILD_PLUGIN_DIR))
			dirs.push_back({NETTRACE_BUILD_PLUGIN_DIR, DirOrigin::BuildTree});
		return dirs;
	}
	auto add_once = [&dirs](const fs::path &dir, DirOrigin origin) {
		if (!is_existing_dir(dir))
			return;
		const fs::path real = fs::weakly_canonical(dir);
		for (const PluginDir &d : dirs)
			if (d.origin >= DirOrigin::Installed && d.path == real)
				return;
		dirs.push_back({real, origin});
	};
	// Relative to the binary, so that an installed tree can be moved.
	const fs::path bin_dir = own_binary_dir();
	if (!bin_dir.empty())
		add_once(bin_dir / ".." / NETTRACE_INSTALL_PLUGIN_DIR, DirOrigin::Installed);
	add_once(fs::path("/usr/local") / NETTRACE_INSTALL_PLUGIN_DIR, DirOrigin::System);
	add_once(fs::path("/usr") / NETTRACE_INSTALL_PLUGIN_DIR, DirOrigin::System);
	return dirs;
}

std::string trust_problem(const struct stat &st)
{
	const uid_t me = geteuid();
	if (st.st_uid != 0 && st.st_uid != me)
		return fmt::format("owned by uid {}, not by root{}", st.st_uid,
				   me == 0 ? "" : " or you");
	// A sticky folder (/tmp) lets nobody replace what others own in it.
	const bool sticky_dir = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !sticky_dir)
		return fmt::format("writable by group or others (mode {:04o})", st.st_mode & 07777);
	return {};
}

std::string directory_trust_problem(const fs::path &dir)
{
	std::error_code ec;
	const fs::path real = fs::canonical(dir, ec);
	if (ec)
		return ec.message();
	struct stat st {};
	if (stat(real.c_str(), &st) != 0)
		return std::strerror(errno);
	if (std::string why = trust_problem(st); !why.empty())
		return why;
	// Whoever can write to a folder above can swap this one for another.
	for (fs::path up = real.parent_path();; up = up.parent_path()) {
		if (stat(up.c_str(), &st) != 0)
			return fmt::format("{}: {}", up.string(), std::strerror(errno));
		if (std::string why = trust_problem(st); !why.empty())
			return fmt::format("{} is {}", up.string(), why);
		if (up == up.root_path())
			break;
	}
	return {};
}

} // namespace nettrace::driver
