// SPDX-License-Identifier: MIT
// Reads a candidate plugin file as ELF, without loading it, so that a file
// that is not a shared object, or was built for another machine or another
// plugin ABI major, is refused before any of its code can run.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace nettrace::driver {

struct ElfInspection {
	std::string problem;                  // empty when it is a loadable shared object
	std::vector<std::string> descriptors; // exported nettrace_plugin_v* symbols
};

ElfInspection inspect_elf(const std::filesystem::path &file);

} // namespace nettrace::driver
