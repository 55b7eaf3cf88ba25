// SPDX-License-Identifier: MIT
// `nettrace CMD --help` opens the manual of the plugin that would run, the
// way `git help` and `perf help` do, wherever that plugin was installed.
#pragma once

#include <filesystem>
#include <string>

namespace nettrace::driver {

// The file of man page `page` (nettrace-tcpdrop, or nettrace for the
// driver), looked for in order:
//   - beside the plugin file, as PAGE.8: a plugin folder can carry its pages;
//   - under the prefix of the plugin's folder: PREFIX/lib/nettrace/plugins
//     has its pages in PREFIX/share/man/man8;
//   - in the build tree, when this driver runs from the build tree;
//   - under this driver's own prefix, <bin>/../share/man/man8.
// Compressed pages (PAGE.8.gz) count too. Empty when none has it.
std::filesystem::path find_man_page(const std::string &page,
				    const std::filesystem::path &plugin_file = {});

// Replaces this process with man(1) showing `page`: the file
// find_man_page() found, else the page of that name on the MANPATH.
// Returns only when there is no such page or man cannot run; the caller
// then prints the option summary instead.
void open_man_page(const std::string &page, const std::filesystem::path &plugin_file = {});

} // namespace nettrace::driver
