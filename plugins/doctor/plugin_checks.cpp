// SPDX-License-Identifier: MIT
#include "plugin_checks.hpp"
#include "check_child.hpp"

#include <nettrace/common/cli/text.hpp>
#include <nettrace/common/cli/text_match.hpp>
#include <nettrace/errors.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace nettrace::doctor {

namespace {

// Called from the other side of the C ABI: nothing may escape it. Out of
// memory, a plugin is left out.
void add_to_listing(void *context, const char *file, const nettrace_plugin *plugin) noexcept
try {
	static_cast<std::vector<InstalledPlugin> *>(context)->push_back({plugin, file ? file : ""});
} catch (...) {
}

// The ABI's rule: a field exists when the descriptor's size covers it.
bool has_check(const nettrace_plugin &p)
{
	return p.struct_size >= offsetof(nettrace_plugin, check) + sizeof(p.check) && p.check;
}

} // namespace

std::vector<InstalledPlugin> installed_plugins(const nettrace_host *host, const char *self,
					       const std::vector<std::string> &only)
{
	const bool can_list = host &&
			      host->struct_size >= offsetof(nettrace_host, for_each_plugin) +
							   sizeof(host->for_each_plugin) &&
			      host->for_each_plugin;
	if (!can_list)
		throw RuntimeError(fmt::format(
			"this nettrace (plugin ABI {}.{}) cannot list its plugins; doctor needs "
			"plugin ABI 1.1",
			host ? host->abi_major : 0, host ? host->abi_minor : 0));
	std::vector<InstalledPlugin> all;
	host->for_each_plugin(host, &all, &add_to_listing);
	auto named = [](const std::string &name) {
		return [&name](const InstalledPlugin &p) { return p.descriptor->name == name; };
	};
	for (const std::string &name : only) {
		if (name == self)
			throw UsageError(fmt::format("{} does not check itself", self));
		if (std::none_of(all.begin(), all.end(), named(name))) {
			std::vector<std::string> names;
			for (const InstalledPlugin &p : all)
				if (std::strcmp(p.descriptor->name, self) != 0)
					names.emplace_back(p.descriptor->name);
			throw UsageError(fmt::format("unknown plugin {}{} (see 'nettrace --list')",
						     quoted_value(name),
						     did_you_mean(suggestions(name, names))));
		}
	}
	std::vector<InstalledPlugin> out;
	for (const InstalledPlugin &p : all) {
		const bool wanted = only.empty() ? std::strcmp(p.descriptor->name, self) != 0
						 : std::find(only.begin(), only.end(),
							     p.descriptor->name) != only.end();
		if (wanted)
			out.push_back(p);
	}
	return out;
}

PluginVerdict check_plugin(const nettrace_host *host, const InstalledPlugin &installed)
{
	const nettrace_plugin &plugin = *installed.descriptor;
	PluginVerdict v;
	v.name = plugin.name;
	v.file = installed.file;
	v.version = plugin.version ? plugin.version : "";
	v.abi_major = plugin.abi_major;
	v.abi_minor = plugin.abi_minor;
	if (!has_check(plugin)) {
		v.findings.push_back(
			{v.name + ": check",
			 Status::Degraded,
			 plugin.abi_minor >= 1
				 ? std::string("cannot be checked: it declares no check")
				 : fmt::format("cannot be checked: built for plugin ABI {}.{}, "
					       "which has no check entry point",
					       plugin.abi_major, plugin.abi_minor),
			 "rebuild it with a check (NETTRACE_PLUGIN_CHECKED, plugin ABI 1.1)",
			 {}});
		return v;
	}
	v.checked = true;
	const bool failed = run_check_in_child(host, plugin, v);
	// A failed check that reported nothing missing says so itself, so that
	// the verdict names what went wrong.
	if (failed && v.status != Status::Missing) {
		v.findings.push_back({v.name + ": check",
				      Status::Missing,
				      "its check failed without saying why",
				      {},
				      {}});
		v.status = Status::Missing;
	}
	return v;
}

} // namespace nettrace::doctor
