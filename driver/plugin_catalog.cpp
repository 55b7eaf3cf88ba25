// SPDX-License-Identifier: MIT
#include "plugin_catalog.hpp"
#include <cerrno>

#include "elf_exports.hpp"

#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <ostream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace nettrace::driver {

namespace fs = std::filesystem;

namespace {

const std::string expected_symbol =
	fmt::format("{}{}", NETTRACE_PLUGIN_SYMBOL_PREFIX, NETTRACE_PLUGIN_ABI_MAJOR);

bool valid_command_name(const char *name)
{
	if (!name || !*name || std::strlen(name) > 32)
		return false;
	for (const char *c = name; *c; ++c) {
		const bool ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' ||
				*c == '_';
		if (!ok)
			return false;
	}
	return name[0] != '-';
}

void refuse(std::ostream &out, const fs::path &file, const std::string &why)
{
	fmt::print(out, "nettrace: refusing plugin {}: {}\n", file.string(), why);
}

// What a file that exports only other majors' descriptors was built for.
std::string other_majors(const std::vector<std::string> &symbols)
{
	std::string majors;
	for (const auto &s : symbols) {
		majors += majors.empty() ? "" : ", ";
		majors += s.substr(std::strlen(NETTRACE_PLUGIN_SYMBOL_PREFIX)) + ".x";
	}
	return majors;
}

} // namespace

void PluginCatalog::scan(const std::vector<PluginDir> &dirs, std::ostream &diagnostics)
{
	for (const PluginDir &dir : dirs)
		scan_dir(dir, diagnostics);
}

bool PluginCatalog::load_by_file_name(const std::vector<PluginDir> &dirs,
				      const std::string &command, std::ostream &diagnostics)
{
	std::string underscored = command;
	std::replace(underscored.begin(), underscored.end(), '-', '_');
	// What this attempt says is kept only if it succeeds: otherwise
	// scan() says it again.
	std::ostringstream said;
	for (const PluginDir &dir : dirs) {
		std::error_code ec;
		fs::path file;
		for (const std::string &stem : {command, underscored})
			if (file.empty() && fs::exists(dir.path / (stem + ".so"), ec))
				file = dir.path / (stem + ".so");
		if (file.empty())
			continue;
		if (dir_usable(dir, said)) {
			try {
				load(file, dir.origin == DirOrigin::Option, said);
			} catch (const std::exception &) {
				// scan() refuses it, saying why.
			}
		}
		if (plugins_.size() == 1 && plugins_[0].name == command) {
			diagnostics << said.str();
			return true;
		}
		break;
	}
	for (LoadedPlugin &p : plugins_) {
		p.library.unload();
		close(p.fd);
	}
	plugins_.clear();
	return false;
}

bool PluginCatalog::dir_usable(const PluginDir &dir, std::ostream &diagnostics)
{
	const std::string why = directory_trust_problem(dir.path);
	if (why.empty())
		return true;
	if (dir.origin != DirOrigin::Option) {
		fmt::print(diagnostics,
			   "nettrace: ignoring plugin directory {}: {}; fix its "
			   "ownership and mode (chmod go-w), or name it with --plugin-dir\n",
			   dir.path.string(), why);
		return false;
	}
	fmt::print(diagnostics,
		   "nettrace: warning: plugin directory {} is {}; loading it "
		   "because --plugin-dir names it\n",
		   dir.path.string(), why);
	return true;
}

void PluginCatalog::scan_dir(const PluginDir &dir, std::ostream &diagnostics)
{
	const bool explicit_dir = dir.origin == DirOrigin::Option;
	if (!dir_usable(dir, diagnostics))
		return;
	std::vector<fs::path> files;
	std::error_code ec;
	for (const auto &entry : fs::directory_iterator(dir.path, ec)) {
		if (entry.path().extension() == ".so" && entry.is_regular_file(ec))
			files.push_back(entry.path());
	}
	if (ec)
		fmt::print(diagnostics, "nettrace: cannot list plugin directory {}: {}\n",
			   dir.path.string(), ec.message());
	std::sort(files.begin(), files.end());
	// A broken file costs only itself, never the other plugins.
	for (const fs::path &f : files) {
		try {
			load(f, explicit_dir, diagnostics);
		} catch (const std::exception &e) {
			refuse(diagnostics, f, fmt::format("cannot be read: {}", e.what()));
		}
	}
}

void PluginCatalog::load(const fs::path &file, bool explicit_dir, std::ostream &diagnostics)
{
	// Checked, read and loaded through one descriptor, so the file cannot
	// be swapped between the check and dlopen.
	const int fd = open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ELOOP)
		return refuse(diagnostics, file,
			      "is a symbolic link; plugins load only from regular files "
			      "(name the folder it points into instead)");
	if (fd < 0)
		return refuse(diagnostics, file, std::strerror(errno));
	// A loaded plugin keeps its descriptor: glibc knows a library by the
	// name it was opened under, and a reused /proc/self/fd/N would name
	// the plugin already loaded.
	struct CloseFd {
		int fd;
		bool keep = false;
		~CloseFd()
		{
			if (!keep)
				close(fd);
		}
	} close_fd{fd};
	struct stat st {};
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return refuse(diagnostics, file, "is not a regular file");
	if (const std::string why = trust_problem(st); !why.empty()) {
		if (!explicit_dir)
			return refuse(diagnostics, file, why);
		fmt::print(diagnostics, "nettrace: warning: plugin {} is {}\n", file.string(), why);
	}
	const std::string fd_path = "/proc/self/fd/" + std::to_string(fd);

	// Decide from the file alone before any of its code can run.
	const ElfInspection elf = inspect_elf(fd_path);
	if (!elf.problem.empty())
		return refuse(diagnostics, file, elf.problem);
	if (std::find(elf.descriptors.begin(), elf.descriptors.end(), expected_symbol) ==
	    elf.descriptors.end()) {
		if (elf.descriptors.empty())
			return refuse(diagnostics, file,
				      fmt::format("no plugin descriptor (expected an exported "
						  "symbol {})",
						  expected_symbol));
		return refuse(diagnostics, file,
			      fmt::format("built for plugin ABI {}, this nettrace speaks {}.{}",
					  other_majors(elf.descriptors), NETTRACE_PLUGIN_ABI_MAJOR,
					  NETTRACE_PLUGIN_ABI_MINOR));
	}

	LoadedPlugin plugin;
	plugin.file = file;
	plugin.fd = fd;
	if (const std::string why = map(plugin); !why.empty())
		return refuse(diagnostics, file, why);

	if (const LoadedPlugin *first = find(plugin.name)) {
		fmt::print(diagnostics, "nettrace: plugin '{}' in {} is shadowed by {}\n",
			   plugin.name, file.string(), first->file.string());
		return;
	}
	plugins_.push_back(std::move(plugin));
	close_fd.keep = true;
}

std::string PluginCatalog::map(LoadedPlugin &plugin)
{
	const std::string fd_path = "/proc/self/fd/" + std::to_string(plugin.fd);
	try {
		plugin.library =
			boost::dll::shared_library(fd_path,
						   boost::dll::load_mode::rtld_now |
							   boost::dll::load_mode::rtld_local);
	} catch (const std::exception &e) {
		return fmt::format("cannot be loaded: {}", e.what());
	}
	const nettrace_plugin &d = plugin.library.get_alias<const nettrace_plugin>(expected_symbol);

	if (d.struct_size < NETTRACE_PLUGIN_MIN_SIZE_V1)
		return fmt::format("descriptor is {} bytes, at least {} expected", d.struct_size,
				   NETTRACE_PLUGIN_MIN_SIZE_V1);
	if (d.abi_major != NETTRACE_PLUGIN_ABI_MAJOR)
		return fmt::format("descriptor says plugin ABI {}.{}, this nettrace speaks {}.{}",
				   d.abi_major, d.abi_minor, NETTRACE_PLUGIN_ABI_MAJOR,
				   NETTRACE_PLUGIN_ABI_MINOR);
	if (d.abi_minor > NETTRACE_PLUGIN_ABI_MINOR)
		return fmt::format("needs plugin ABI {}.{}, this nettrace supports up to {}.{}; "
				   "upgrade nettrace",
				   d.abi_major, d.abi_minor, NETTRACE_PLUGIN_ABI_MAJOR,
				   NETTRACE_PLUGIN_ABI_MINOR);
	if (!valid_command_name(d.name))
		return "descriptor has no valid name (lower-case letters, digits, '-' and '_', at "
		       "most 32)";
	if (!d.run)
		return "descriptor has no run entry point";
	// Mapped again after being set aside, it must still be the plugin
	// the catalog lists under its name.
	if (!plugin.name.empty() && plugin.name != d.name)
		return fmt::format("now names itself '{}', not '{}'", d.name, plugin.name);

	// Read the descriptor up to the size the plugin says it has; fields a
	// newer driver knows and this plugin does not stay zero.
	plugin.descriptor = {};
	std::memcpy(&plugin.descriptor, &d,
		    std::min<std::size_t>(d.struct_size, sizeof(nettrace_plugin)));
	plugin.name = d.name;
	plugin.summary = d.summary ? d.summary : "";
	plugin.version = d.version ? d.version : "";
	plugin.abi_major = d.abi_major;
	plugin.abi_minor = d.abi_minor;
	return {};
}

void PluginCatalog::set_aside_all_but(const LoadedPlugin &keep)
{
	for (LoadedPlugin &p : plugins_) {
		if (&p == &keep || !p.mapped())
			continue;
		p.descriptor = {};
		p.library.unload();
	}
}

void PluginCatalog::map_set_aside(std::ostream &diagnostics)
{
	for (LoadedPlugin &p : plugins_) {
		if (p.mapped() || p.refused_again)
			continue;
		if (const std::string why = map(p); !why.empty()) {
			p.descriptor = {};
			p.library.unload();
			p.refused_again = true; // said once, not on every later call
			refuse(diagnostics, p.file, why);
		}
	}
}

const LoadedPlugin *PluginCatalog::find(std::string_view name) const
{
	for (const LoadedPlugin &p : plugins_)
		if (p.name == name)
			return &p;
	return nullptr;
}

std::vector<std::string> PluginCatalog::names() const
{
	std::vector<std::string> out;
	for (const LoadedPlugin &p : plugins_)
		out.push_back(p.name);
	return out;
}

} // namespace nettrace::driver
