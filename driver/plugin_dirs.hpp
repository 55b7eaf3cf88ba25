// SPDX-License-Identifier: MIT
// Where plugins are looked for, in order, and whether a directory may be
// trusted: nettrace runs as root, so a plugin directory anyone else can
// write to would let them run code as root.
#pragma once

#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace nettrace::driver {

enum class DirOrigin { Option, Environment, BuildTree, Installed, System };

struct PluginDir {
	std::filesystem::path path;
	DirOrigin origin;
};

// The folder of the running nettrace binary; empty if unknown.
std::filesystem::path own_binary_dir();
// Whether this binary is the one in the build tree it was built in.
bool running_from_build_tree();

// --plugin-dir values (in order), then $NETTRACE_PLUGIN_PATH, then the
// build tree's plugin folder when this binary runs from the build tree;
// otherwise <bin>/../lib/nettrace/plugins, then /usr/local/lib/nettrace/plugins
// and /usr/lib/nettrace/plugins (where plugins installed under another
// prefix than nettrace's go). Directories that do not exist are left out,
// except --plugin-dir ones: those are a usage error.
std::vector<PluginDir> plugin_search_path(const std::vector<std::string> &option_dirs);

// Empty if a file or folder with status `st` is owned by root (or the
// user running nettrace) and not writable by group or others (a sticky
// folder excepted); otherwise what is wrong with it.
std::string trust_problem(const struct stat &st);
// The same for a plugin folder and every folder above it.
std::string directory_trust_problem(const std::filesystem::path &dir);

} // namespace nettrace::driver
