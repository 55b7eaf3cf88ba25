// SPDX-License-Identifier: MIT
// What the exporter knows of the network namespaces its rows count
// drops in: a name in /run/netns, a process living in each (found by
// scanning /proc, through which a namespace without a name is entered
// to name its devices, and whose cgroup tells its container), and
// whether the namespace still exists, so that the rows of one gone for
// --stale-after are removed.
#pragma once

#include "exporter_names.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace nettrace::exporter {

class Namespaces : public NetnsFiles {
public:
	using Clock = std::chrono::steady_clock;
	// `stale_after`: how long a namespace must go unseen before stale()
	// gives it. `proc` and `run_netns` are the folders read.
	explicit Namespaces(Clock::duration stale_after, std::string proc = "/proc",
			    std::string run_netns = "/run/netns");

	// Once per scrape, with the namespaces this scrape's rows count in.
	// Reads /run/netns again if it changed; scans /proc again, at most
	// every few seconds, only when one of `inodes` has no process known
	// to be in it, or when one is about to be given as stale.
	void refresh(const std::unordered_set<std::uint32_t> &inodes, Clock::time_point now);
	// The namespace's name in /run/netns; empty when none.
	const std::string &name(std::uint32_t inode) const { return names_.name(inode); }
	// /run/netns/NAME, else /proc/PID/ns/net of a process found in it.
	std::string file(std::uint32_t inode) const override;
	// The id of the container a process of the namespace runs in (its
	// cgroup, read once per process found); empty when none is known.
	const std::string &container(std::uint32_t inode);
	// Namespaces given to refresh() that no scan, /run/netns or bind
	// mount has shown for `stale_after`, checked by a scan made after
	// that time had passed.
	std::vector<std::uint32_t> stale(Clock::time_point now) const;
	// Forgets a namespace stale() gave.
	void forget(std::uint32_t inode);

private:
	struct Known {
		pid_t pid = 0;          // a process in it, 0 none known
		Clock::time_point seen; // last time it was shown to exist
		bool container_read = false;
		std::string container;
	};
	bool exists(std::uint32_t inode, Known &k) const;
	void scan(Clock::time_point now);

	Clock::duration stale_after_;
	std::string proc_;
	NetnsNames names_;
	std::uint32_t own_;
	std::unordered_map<std::uint32_t, Known> known_;
	std::unordered_set<std::uint32_t> mounted_; // nsfs bind mounts seen
	Clock::time_point last_scan_{};
	bool scanned_ = false;
	// A /proc scan costs a stat per process: not more often than this.
	static constexpr std::chrono::seconds rescan_after{3};
};

} // namespace nettrace::exporter
