#include "plugin_checks.hpp"

#include <nettrace/errors.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace nettrace::doctor {

namespace {

struct Listing {
	std::vector<const nettrace_plugin *> plugins;
	std::vector<std::string> files;
};

void add_to_listing(void *context, const char *file, const nettrace_plugin *plugin)
{
	auto *listing = static_cast<Listing *>(context);
	listing->plugins.push_back(plugin);
	listing->files.emplace_back(file ? file : "");
}

void add_finding(nettrace_check_sink *sink, int status, const char *what, const char *detail,
		 const char *fix)
{
	auto *verdict = static_cast<PluginVerdict *>(sink->context);
	Finding f;
	f.name = fmt::format("{}: {}", verdict->name, what ? what : "?");
	f.status = status == NETTRACE_CHECK_OK	     ? Status::Ok
		   : status == NETTRACE_CHECK_DEGRADED ? Status::Degraded
						       : Status::Missing;
	f.detail = detail ? detail : "";
	f.fix = fix ? fix : "";
	verdict->status = std::max(verdict->status, f.status);
	verdict->findings.push_back(std::move(f));
}

bool has_check(const nettrace_plugin &p)
{
	return p.abi_minor >= 1 &&
	       p.struct_size >= offsetof(nettrace_plugin, check) + sizeof(p.check) && p.check;
}

} // namespace

std::vector<const nettrace_plugin *> installed_plugins(const nettrace_host *host,
						       const char *self,
						       const std::vector<std::string> &only,
						       std::vector<std::string> &files)
{
	const bool can_list = host && host->struct_size >= offsetof(nettrace_host, for_each_plugin) +
								   sizeof(host->for_each_plugin) &&
			      host->for_each_plugin;
	if (!can_list)
		throw RuntimeError(fmt::format(
			"this nettrace (plugin ABI {}.{}) cannot list its plugins; doctor needs "
			"plugin ABI 1.1",
			host ? host->abi_major : 0, host ? host->abi_minor : 0));
	Listing all;
	host->for_each_plugin(host, &all, &add_to_listing);
	for (const std::string &name : only) {
		const bool found = std::any_of(all.plugins.begin(), all.plugins.end(),
					       [&](const nettrace_plugin *p) { return p->name == name; });
		if (!found)
			throw UsageError(fmt::format("'{}' is not an installed plugin "
						     "('nettrace --list' shows them)",
						     name));
	}
	std::vector<const nettrace_plugin *> out;
	files.clear();
	for (std::size_t i = 0; i < all.plugins.size(); ++i) {
		const nettrace_plugin *p = all.plugins[i];
		const bool wanted = only.empty() ? std::strcmp(p->name, self) != 0
						 : std::find(only.begin(), only.end(), p->name) !=
							   only.end();
		if (wanted) {
			out.push_back(p);
			files.push_back(all.files[i]);
		}
	}
	return out;
}

PluginVerdict check_plugin(const nettrace_host *host, const nettrace_plugin &plugin,
			   const std::string &file)
{
	PluginVerdict v;
	v.name = plugin.name;
	v.file = file;
	v.version = plugin.version ? plugin.version : "";
	v.abi_major = plugin.abi_major;
	v.abi_minor = plugin.abi_minor;
	if (!has_check(plugin)) {
		v.findings.push_back(
			{v.name + ": check", Status::Degraded,
			 plugin.abi_minor >= 1
				 ? std::string("cannot be checked: it declares no check")
				 : fmt::format("cannot be checked: built for plugin ABI {}.{}, "
					       "which has no check entry point",
					       plugin.abi_major, plugin.abi_minor),
			 "rebuild it with a check (NETTRACE_PLUGIN_CHECKED, plugin ABI 1.1)", {}});
		return v;
	}
	v.checked = true;
	nettrace_check_sink sink{sizeof(nettrace_check_sink), &v, &add_finding};
	// A plugin's check may be written in anything: what escapes it is
	// that plugin's failure, not doctor's.
	try {
		v.check_failed = plugin.check(host, &sink) != NETTRACE_EXIT_OK;
	} catch (...) {
		v.check_failed = true;
	}
	if (v.check_failed)
		v.status = Status::Missing;
	if (v.findings.empty() && v.check_failed)
		v.findings.push_back({v.name + ": check", Status::Missing,
			"its check failed without saying why", {}, {}});
	return v;
}

} // namespace nettrace::doctor
