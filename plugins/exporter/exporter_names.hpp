// SPDX-License-Identifier: MIT
// Names for the numbers a counting-map row holds: a namespace's name in
// /run/netns (ip netns, bind mounts) by its inode, and a device's name
// by its index within its namespace. Both are kept between scrapes, so a
// scrape asks the kernel only about what it has not seen yet.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>
#include <unordered_map>

namespace nettrace::exporter {

// Where a file of a network namespace is, by its inode: what a device's
// name is looked up through.
class NetnsFiles {
public:
	virtual ~NetnsFiles() = default;
	// The path of a file of that namespace; empty when none is known.
	virtual std::string file(std::uint32_t inode) const = 0;
};

class NetnsNames : public NetnsFiles {
public:
	explicit NetnsNames(std::string dir = "/run/netns") : dir_(std::move(dir)) {}
	// Reads the folder again if it changed since the last call: once
	// per scrape, not per series.
	void refresh();
	// The name bound to namespace `inode`; empty when none is.
	const std::string &name(std::uint32_t inode) const;
	// /run/netns/NAME; empty when the namespace has no name.
	std::string file(std::uint32_t inode) const override;

private:
	std::string dir_;
	std::timespec mtime_{-1, 0};
	std::unordered_map<std::uint32_t, std::string> names_;
};

class InterfaceNames {
public:
	using Clock = std::chrono::steady_clock;
	InterfaceNames();
	// The name of device `ifindex` of namespace `netns`; empty when it is
	// not known. A device not found is asked about again after a while,
	// since namespaces get devices after the exporter started.
	const std::string &name(std::uint32_t netns, std::uint32_t ifindex,
				const NetnsFiles &namespaces);
	// Forgets the devices of a namespace that is gone.
	void forget(std::uint32_t netns);

private:
	struct Entry {
		std::string name;
		Clock::time_point looked_up;
	};
	std::string look_up(std::uint32_t netns, std::uint32_t ifindex,
			    const NetnsFiles &namespaces) const;

	std::uint32_t own_netns_;
	std::unordered_map<std::uint64_t, Entry> names_;
	static constexpr std::chrono::seconds retry_after{10};
};

} // namespace nettrace::exporter
