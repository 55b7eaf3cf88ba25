// SPDX-License-Identifier: MIT
// Throw-away network namespaces for tests that need real traffic.
//
//   TestNetns server, client;
//   server.add_veth(client, {"10.200.0.1/24", "fd00:200::1/64"},
//                           {"10.200.0.2/24", "fd00:200::2/64"});
//   int fd = client.socket_in(AF_INET, SOCK_DGRAM, 0);
//
// Each namespace is named nttest-<pid>-<n>, has lo up, and is deleted by
// the destructor whether or not the test passed. Namespaces left behind by
// a test process that died are removed when the next one starts.
#pragma once

#include "process.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace nettrace::test {

// Addresses for one end of a veth pair, with prefix ("10.200.0.1/24",
// "fd00:200::1/64"); empty for none. IPv6 addresses are added with nodad,
// so they are usable at once.
//
// An end without an IPv6 address has IPv6 disabled, which keeps the link
// silent. With IPv6 the kernel still sends MLD reports for a while after
// the link comes up, and the receiving kernel frees each one with
// kfree_skb (a NOT_SPECIFIED "drop"): a test that counts every drop in a
// namespace should keep IPv6 off its veths, or filter those out.
struct VethAddresses {
	std::string ipv4;
	std::string ipv6;
};

struct VethPair {
	std::string local_ifname; // in the namespace add_veth was called on
	std::string peer_ifname;  // in the peer namespace
};

class TestNetns {
public:
	// Throws std::runtime_error if the namespace cannot be made.
	TestNetns();
	~TestNetns();
	TestNetns(const TestNetns &) = delete;
	TestNetns &operator=(const TestNetns &) = delete;

	const std::string &name() const { return name_; }
	// /run/netns/<name>, usable with setns() and nettrace's --netns.
	std::string path() const;
	// The namespace's inode: what BPF sees as net->ns.inum.
	std::uint32_t inode() const { return inode_; }

	// `sh -c command` inside the namespace; never throws for a non-zero
	// exit.
	ProcessResult exec(const std::string &command) const;
	// Like exec, but throws std::runtime_error with the output unless the
	// command exits 0.
	void exec_checked(const std::string &command) const;

	// Connects this namespace and `peer` with a veth pair, assigns the
	// addresses and waits until both ends have carrier.
	VethPair add_veth(TestNetns &peer, const VethAddresses &local, const VethAddresses &remote);

	// A socket created inside the namespace (it stays there when used
	// from any thread). Close-on-exec; the caller owns the descriptor.
	// Throws std::system_error.
	int socket_in(int domain, int type, int protocol = 0) const;

	// Runs `fn` on a helper thread that has joined the namespace, so the
	// calling thread's namespace never changes. Exceptions from `fn`
	// propagate.
	void run_in(const std::function<void()> &fn) const;

private:
	std::string next_ifname();
	void wait_for_carrier(const std::string &ifname) const;

	std::string name_;
	std::uint32_t inode_ = 0;
	unsigned ifname_counter_ = 0;
};

} // namespace nettrace::test
