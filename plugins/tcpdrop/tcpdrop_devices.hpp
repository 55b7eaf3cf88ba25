// SPDX-License-Identifier: MIT
// Device names for tcpdrop's records, without a system call per record.
//
// A record names its device when the packet was still on it: the BPF side
// copies the name from the device. TCP takes a received packet off its
// device once it has found the socket, so later drops carry only the index
// it came in on (skb_iif). Those are named from what earlier records of
// the same namespace said, or, in nettrace's own namespace, by asking the
// kernel once per index; a device of another namespace that no record
// named yet stays unnamed.
#pragma once

#include "tcpdrop.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace nettrace::tcpdrop {

class DeviceNames {
public:
	DeviceNames();

	// The name of the record's device; empty when it is not known.
	std::string_view name(const tcpdrop_event &e);

private:
	static std::uint64_t key(std::uint32_t netns, std::uint32_t ifindex)
	{
		return static_cast<std::uint64_t>(netns) << 32 | ifindex;
	}

	std::uint32_t own_netns_;
	// By namespace and index; an empty name is a lookup that found none.
	std::unordered_map<std::uint64_t, std::string> names_;
};

} // namespace nettrace::tcpdrop
