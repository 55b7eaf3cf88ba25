// SPDX-License-Identifier: MIT
// Asks every plugin the driver loaded whether it would run here, through
// the check entry point of plugin ABI 1.1. A plugin built before it is
// reported as one that cannot be checked.
#pragma once

#include "findings.hpp"

#include <nettrace/plugin.h>

#include <string>
#include <vector>

namespace nettrace::doctor {

struct InstalledPlugin {
	const nettrace_plugin *descriptor; // the driver's copy
	std::string file;
};

// The installed plugins other than `self`; only those named in `only`
// when it is not empty. Throws UsageError for a name that is not installed,
// RuntimeError when the driver cannot list its plugins (ABI 1.0).
std::vector<InstalledPlugin> installed_plugins(const nettrace_host *host, const char *self,
					       const std::vector<std::string> &only);

PluginVerdict check_plugin(const nettrace_host *host, const InstalledPlugin &plugin);

} // namespace nettrace::doctor
