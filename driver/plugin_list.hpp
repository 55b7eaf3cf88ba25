// SPDX-License-Identifier: MIT
// What `nettrace --list` prints: each plugin's name, version and summary,
// then its file on a line of its own, within 80 columns.
#pragma once

#include "plugin_catalog.hpp"

#include <cstdio>

namespace nettrace::driver {

void print_plugin_list(std::FILE *out, const PluginCatalog &catalog);

} // namespace nettrace::driver
