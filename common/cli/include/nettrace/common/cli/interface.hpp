// SPDX-License-Identifier: MIT
// Naming a network device on the command line (--interface). The BPF side
// knows a device by its index, which is only unique within its network
// namespace, so a name is looked up in one namespace and the filter keeps
// both.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nettrace {

struct InterfaceInNetns {
	std::uint32_t ifindex = 0;
	std::uint32_t netns_ino = 0;
};

// Looks device `name` up in the namespace `netns` names (a --netns value,
// already accepted by parse_netns(), whose inode is `netns_ino`), or in
// the calling thread's namespace when `netns` is unset. Throws UsageError
// for a name Linux cannot give a device, a device the namespace does not
// have, and a namespace given by inode number (no file to enter);
// RuntimeError when the namespace cannot be entered (privileges).
InterfaceInNetns resolve_interface(std::string_view option, std::string_view name,
				   const std::optional<std::string> &netns,
				   std::uint32_t netns_ino);

// The name of device `ifindex` in the network namespace of the open
// namespace file `ns_fd` (a file in /run/netns, /proc/PID/ns/net), looked
// up on a helper thread so that the caller's namespace never changes.
// Empty when the namespace has no such device or cannot be entered.
std::string interface_name_in_netns(int ns_fd, std::uint32_t ifindex);

} // namespace nettrace
