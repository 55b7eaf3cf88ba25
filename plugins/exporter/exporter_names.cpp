// SPDX-License-Identifier: MIT
#include "exporter_names.hpp"

#include <nettrace/common/cli/interface.hpp>
#include <nettrace/common/cli/netns.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <iterator>
#include <net/if.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nettrace::exporter {

void NetnsNames::refresh()
{
	struct stat dir_stat {};
	if (stat(dir_.c_str(), &dir_stat) != 0) {
		names_.clear();
		mtime_ = {-1, 0};
		return;
	}
	if (dir_stat.st_mtim.tv_sec == mtime_.tv_sec && dir_stat.st_mtim.tv_nsec == mtime_.tv_nsec)
		return;
	mtime_ = dir_stat.st_mtim;
	names_.clear();
	DIR *dir = opendir(dir_.c_str());
	if (!dir)
		return;
	while (const dirent *e = readdir(dir)) {
		const std::string name = e->d_name;
		struct stat ns {};
		// A name whose bind mount is gone is an empty file: its inode
		// is the file's own, never a namespace's (nsfs).
		if (name == "." || name == ".." || stat((dir_ + "/" + name).c_str(), &ns) != 0)
			continue;
		names_.emplace(static_cast<std::uint32_t>(ns.st_ino), name);
	}
	closedir(dir);
}

const std::string &NetnsNames::name(std::uint32_t inode) const
{
	static const std::string none;
	const auto it = names_.find(inode);
	return it == names_.end() ? none : it->second;
}

std::string NetnsNames::file(std::uint32_t inode) const
{
	const std::string &n = name(inode);
	return n.empty() ? std::string() : dir_ + "/" + n;
}

InterfaceNames::InterfaceNames() : own_netns_(current_netns_inode()) {}

const std::string &InterfaceNames::name(std::uint32_t netns, std::uint32_t ifindex,
					const NetnsFiles &namespaces)
{
	static const std::string none;
	if (!ifindex || !netns)
		return none;
	const std::uint64_t key = static_cast<std::uint64_t>(netns) << 32 | ifindex;
	const Clock::time_point now = Clock::now();
	auto it = names_.find(key);
	if (it != names_.end() &&
	    (!it->second.name.empty() || now - it->second.looked_up < retry_after))
		return it->second.name;
	Entry &e = names_[key];
	e.name = look_up(netns, ifindex, namespaces);
	e.looked_up = now;
	return e.name;
}

std::string InterfaceNames::look_up(std::uint32_t netns, std::uint32_t ifindex,
				    const NetnsFiles &namespaces) const
{
	if (netns == own_netns_) {
		char buf[IF_NAMESIZE] = "";
		return if_indextoname(ifindex, buf) ? buf : "";
	}
	// Another namespace is entered through a file of it: its name in
	// /run/netns, else /proc/PID/ns/net of a process in it. The process
	// may have gone and its pid been reused since it was found: the
	// file opened must still be that namespace.
	const std::string file = namespaces.file(netns);
	if (file.empty())
		return {};
	const int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return {};
	struct stat st {};
	std::string name;
	if (fstat(fd, &st) == 0 && st.st_ino == netns)
		name = interface_name_in_netns(fd, ifindex);
	close(fd);
	return name;
}

void InterfaceNames::forget(std::uint32_t netns)
{
	for (auto it = names_.begin(); it != names_.end();)
		it = it->first >> 32 == netns ? names_.erase(it) : std::next(it);
}

} // namespace nettrace::exporter
