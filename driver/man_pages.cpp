// SPDX-License-Identifier: MIT
#include "man_pages.hpp"

#include "plugin_dirs.hpp"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace nettrace::driver {

namespace fs = std::filesystem;

namespace {

constexpr const char *section = "8";
constexpr const char *section_dir = "man8"; // under a man folder

fs::path page_in(const fs::path &dir, const std::string &page)
{
	std::error_code ec;
	for (const char *suffix : {"", ".gz"}) {
		fs::path file = dir / (page + "." + section + suffix);
		if (fs::is_regular_file(file, ec))
			return file;
	}
	return {};
}

// PREFIX when `plugin_dir` is PREFIX/lib/nettrace/plugins; else empty.
fs::path install_prefix_of(const fs::path &plugin_dir)
{
	const fs::path layout = NETTRACE_INSTALL_PLUGIN_DIR;
	fs::path prefix = plugin_dir.lexically_normal();
	if (prefix.filename().empty())
		prefix = prefix.parent_path();
	for (auto part = std::distance(layout.begin(), layout.end()); part > 0; --part)
		prefix = prefix.parent_path();
	std::error_code ec;
	return fs::equivalent(prefix / layout, plugin_dir, ec) ? prefix : fs::path();
}

// Whether `man -w PAGE` finds the page on the MANPATH.
bool man_knows(const std::string &page)
{
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	std::string where = "-w";
	std::string name = page;
	char man[] = "man";
	char *argv[] = {man, where.data(), name.data(), nullptr};
	pid_t pid = 0;
	const int err = posix_spawnp(&pid, "man", &actions, nullptr, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	if (err != 0)
		return false;
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

} // namespace

fs::path find_man_page(const std::string &page, const fs::path &plugin_file)
{
	std::error_code ec;
	std::vector<fs::path> dirs;
	const fs::path plugin_dir =
		plugin_file.empty() ? fs::path() : fs::canonical(plugin_file, ec).parent_path();
	// No folder is no place to look: an empty path would be the current one.
	if (!plugin_dir.empty()) {
		dirs.push_back(plugin_dir);
		if (fs::path prefix = install_prefix_of(plugin_dir); !prefix.empty())
			dirs.push_back(prefix / NETTRACE_INSTALL_MANDIR / section_dir);
	}
	if (running_from_build_tree())
		dirs.push_back(fs::path(NETTRACE_BUILD_MAN_DIR) / section_dir);
	if (const fs::path bin_dir = own_binary_dir(); !bin_dir.empty())
		dirs.push_back(bin_dir / ".." / NETTRACE_INSTALL_MANDIR / section_dir);
	for (const fs::path &dir : dirs)
		if (fs::path file = page_in(dir, page); !file.empty())
			return file;
	return {};
}

void open_man_page(const std::string &page, const fs::path &plugin_file)
{
	const fs::path file = find_man_page(page, plugin_file);
	std::fflush(stdout);
	if (!file.empty()) {
		// -l: this very file, not whatever the MANPATH has under the name.
		execlp("man", "man", "-l", file.c_str(), static_cast<char *>(nullptr));
		return;
	}
	if (man_knows(page))
		execlp("man", "man", section, page.c_str(), static_cast<char *>(nullptr));
}

} // namespace nettrace::driver
