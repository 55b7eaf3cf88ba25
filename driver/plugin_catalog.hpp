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
	nettrace_plugin descriptor{}; // copied, zero-filled past its struct_size
	boost::dll::shared_library library;
};

class PluginCatalog {
public:
	// Loads every *.so in `dirs`, in order; the first plugin of a name
	// wins. Refusals and warnings go to `diagnostics`, one line each.
	void scan(const std::vector<PluginDir> &dirs, std::ostream &diagnostics);

	const LoadedPlugin *find(std::string_view name) const;
	const std::vector<LoadedPlugin> &plugins() const { return plugins_; }
	std::vector<std::string> names() const;

private:
	void scan_dir(const PluginDir &dir, std::ostream &diagnostics);
	void load(const std::filesystem::path &file, bool explicit_dir, std::ostream &diagnostics);

	std::vector<LoadedPlugin> plugins_;
};

} // namespace nettrace::driver
