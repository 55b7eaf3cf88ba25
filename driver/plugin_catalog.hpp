// SPDX-License-Identifier: MIT
// Finds, checks and loads plugins. A plugin is refused, with one line
// naming the file, what was found and what was expected, when it is not a
// shared object, has no descriptor, or speaks another ABI; the others load.
#pragma once

#include "plugin_dirs.hpp"

#include <nettrace/plugin.h>

#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace nettrace::driver {

struct LoadedPlugin {
	std::string name;
	std::string summary;
	std::string version;
	unsigned abi_major = 0;
	unsigned abi_minor = 0;
	std::filesystem::path file;
	// Open for the life of the process: the plugin is mapped through it,
	// and mapped again through it after being set aside, so a file put in
	// its place meanwhile is never the one loaded.
	int fd = -1;
	nettrace_plugin descriptor{};       // copied, zero-filled past its struct_size
	boost::dll::shared_library library; // not loaded while set aside
	bool refused_again = false;         // could not be mapped again

	bool mapped() const { return library.is_loaded(); }
};

class PluginCatalog {
public:
	// Loads every *.so in `dirs`, in order; the first plugin of a name
	// wins. Refusals and warnings go to `diagnostics`, one line each.
	void scan(const std::vector<PluginDir> &dirs, std::ostream &diagnostics);

	// Loads only `command`'s plugin, found by its file name: COMMAND.so, or
	// with '-' as '_', in the first folder of `dirs` that has one. Mapping
	// a plugin runs its libraries' start-up code (the exporter's TLS
	// library, for one), which a command should not pay for others. True
	// when that file loaded and names itself `command`; otherwise the
	// catalog stays empty, says nothing, and scan() must find it.
	bool load_by_file_name(const std::vector<PluginDir> &dirs, const std::string &command,
			       std::ostream &diagnostics);

	// Unmaps every plugin but `keep`. Scanning must map each plugin to read
	// its descriptor, but a command should pay in memory for its own code
	// only, however many plugins are installed beside it. What the others
	// are (name, summary, file) stays known; their descriptors are zeroed.
	void set_aside_all_but(const LoadedPlugin &keep);

	// Maps again the plugins set aside, for commands about other commands.
	// One that no longer loads as the same plugin stays unmapped, with one
	// line in `diagnostics`.
	void map_set_aside(std::ostream &diagnostics);

	const LoadedPlugin *find(std::string_view name) const;
	const std::vector<LoadedPlugin> &plugins() const { return plugins_; }
	std::vector<std::string> names() const;

private:
	void scan_dir(const PluginDir &dir, std::ostream &diagnostics);
	// Whether plugins may load from `dir`; says why not, or warns.
	static bool dir_usable(const PluginDir &dir, std::ostream &diagnostics);
	void load(const std::filesystem::path &file, bool explicit_dir, std::ostream &diagnostics);
	// Maps `plugin` from its fd and reads its descriptor; what is wrong
	// with it, or empty.
	static std::string map(LoadedPlugin &plugin);

	std::vector<LoadedPlugin> plugins_;
};

} // namespace nettrace::driver
