// SPDX-License-Identifier: MIT
#include "exporter_namespaces.hpp"
#include "exporter_cgroup.hpp"

#include <nettrace/common/cli/netns.hpp>

#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace nettrace::exporter {

namespace {

std::uint32_t netns_of(const std::string &proc, pid_t pid)
{
	struct stat st {};
	const std::string path = proc + "/" + std::to_string(pid) + "/ns/net";
	return stat(path.c_str(), &st) == 0 ? static_cast<std::uint32_t>(st.st_ino) : 0;
}

// Network namespaces bind-mounted anywhere in this mount namespace: the
// root of such a mount reads "net:[INODE]" in mountinfo (ip netns,
// container runtimes' own folders such as /run/docker/netns).
std::unordered_set<std::uint32_t> mounted_namespaces(const std::string &proc)
{
	std::unordered_set<std::uint32_t> out;
	std::ifstream in(proc + "/self/mountinfo");
	std::string line;
	while (std::getline(in, line)) {
		std::istringstream fields(line);
		std::string id, parent, device, root;
		if (!(fields >> id >> parent >> device >> root) || root.rfind("net:[", 0) != 0)
			continue;
		try {
			out.insert(static_cast<std::uint32_t>(std::stoul(root.substr(5))));
		} catch (const std::exception &) {
		}
	}
	return out;
}

} // namespace

Namespaces::Namespaces(Clock::duration stale_after, std::string proc, std::string run_netns)
    : stale_after_(stale_after), proc_(std::move(proc)), names_(std::move(run_netns)),
      own_(current_netns_inode())
{
}

bool Namespaces::exists(std::uint32_t inode, Known &k) const
{
	if (k.pid && netns_of(proc_, k.pid) != inode) {
		// That process left or ended: another one is looked for.
		k.pid = 0;
		k.container_read = false;
		k.container.clear();
	}
	return k.pid || inode == own_ || !names_.name(inode).empty() || mounted_.count(inode);
}

void Namespaces::refresh(const std::unordered_set<std::uint32_t> &inodes, Clock::time_point now)
{
	names_.refresh();
	bool without_process = false, due = false;
	for (const std::uint32_t inode : inodes) {
		if (inode == 0)
			continue;
		auto [it, added] = known_.try_emplace(inode);
		Known &k = it->second;
		if (added)
			k.seen = now;
		if (exists(inode, k))
			k.seen = now;
		if (!k.pid && inode != own_)
			without_process = true;
		// About to be stale: a scan after the grace period must agree.
		if (now - k.seen >= stale_after_ &&
		    (!scanned_ || last_scan_ < k.seen + stale_after_))
			due = true;
	}
	if (!due && !(without_process && (!scanned_ || now - last_scan_ >= rescan_after)))
		return;
	scan(now);
	for (const std::uint32_t inode : inodes)
		if (const auto it = known_.find(inode);
		    it != known_.end() && exists(inode, it->second))
			it->second.seen = now;
}

void Namespaces::scan(Clock::time_point now)
{
	last_scan_ = now;
	scanned_ = true;
	mounted_ = mounted_namespaces(proc_);
	DIR *dir = opendir(proc_.c_str());
	if (!dir)
		return;
	while (const dirent *e = readdir(dir)) {
		char *end = nullptr;
		const long pid = std::strtol(e->d_name, &end, 10);
		if (pid <= 0 || *end != '\0')
			continue;
		const auto it = known_.find(netns_of(proc_, static_cast<pid_t>(pid)));
		if (it != known_.end() && !it->second.pid)
			it->second.pid = static_cast<pid_t>(pid);
	}
	closedir(dir);
}

std::string Namespaces::file(std::uint32_t inode) const
{
	if (std::string named = names_.file(inode); !named.empty())
		return named;
	const auto it = known_.find(inode);
	if (it == known_.end() || !it->second.pid)
		return {};
	return proc_ + "/" + std::to_string(it->second.pid) + "/ns/net";
}

const std::string &Namespaces::container(std::uint32_t inode)
{
	static const std::string none;
	const auto it = known_.find(inode);
	if (it == known_.end() || !it->second.pid)
		return none;
	Known &k = it->second;
	if (!k.container_read) {
		k.container_read = true;
		std::ifstream in(proc_ + "/" + std::to_string(k.pid) + "/cgroup");
		std::ostringstream text;
		text << in.rdbuf();
		k.container = container_id_from_cgroup(text.str());
	}
	return k.container;
}

std::vector<std::uint32_t> Namespaces::stale(Clock::time_point now) const
{
	std::vector<std::uint32_t> out;
	for (const auto &[inode, k] : known_)
		if (now - k.seen >= stale_after_ && scanned_ && last_scan_ >= k.seen + stale_after_)
			out.push_back(inode);
	return out;
}

void Namespaces::forget(std::uint32_t inode)
{
	known_.erase(inode);
}

} // namespace nettrace::exporter
