// SPDX-License-Identifier: MIT
#include "tcpdrop_devices.hpp"

#include <nettrace/common/cli/netns.hpp>

#include <cstring>
#include <net/if.h>

namespace nettrace::tcpdrop {

DeviceNames::DeviceNames() : own_netns_(current_netns_inode()) {}

std::string_view DeviceNames::name(const tcpdrop_event &e)
{
	const std::string_view carried(e.ifname, strnlen(e.ifname, sizeof(e.ifname)));
	if (!e.ifindex)
		return carried;
	const std::uint64_t k = key(e.netns, e.ifindex);
	if (!carried.empty()) {
		// Kept for the records of this device that come without a name;
		// compared first, so that a known name costs no allocation.
		std::string &known = names_[k];
		if (known != carried)
			known.assign(carried);
		return carried;
	}
	if (auto it = names_.find(k); it != names_.end())
		return it->second;
	if (!own_netns_ || e.netns != own_netns_)
		return {};
	char buf[IF_NAMESIZE] = {};
	const std::string &looked_up = names_[k] = if_indextoname(e.ifindex, buf) ? buf : "";
	return looked_up;
}

} // namespace nettrace::tcpdrop
