// SPDX-License-Identifier: MIT
// Naming a network namespace on the command line (--netns). The BPF side
// identifies a namespace by its inode number (`net->ns.inum`), which is what
// stat() reports for the namespace's file in nsfs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nettrace {

// Accepts, in this order:
//   - a decimal inode number ("4026531840");
//   - the form `ls -l /proc/PID/ns` shows ("net:[4026531840]");
//   - a bare name without '/', looked up as /run/netns/NAME (ip netns);
//   - any other path to a namespace file (/proc/PID/ns/net, /run/netns/X).
// A path must exist and, where the kernel can tell (nsfs, NS_GET_NSTYPE),
// be a network namespace. Throws UsageError naming option, value and why,
// e.g. "--netns: '/nonexistent': No such file or directory".
std::uint32_t parse_netns(std::string_view option, std::string_view text);

// The namespace file a --netns value names: the path itself, or
// /run/netns/NAME for a bare name; nullopt for the inode number forms,
// which name no file. Checks nothing: parse_netns() does.
std::optional<std::string> netns_file(std::string_view text);

// parse_netns(), and for an inode number (in either form) a check that
// some network namespace has it, since a filter on one that none has
// would match nothing. A number below the range the kernel gives
// namespaces is refused outright; one in it must be a task's, a bind
// mount's (ip netns, container runtimes) or one an open file holds. When
// /proc cannot be read whole to tell (not every process may be looked at),
// a number in the range is taken as given.
std::uint32_t parse_live_netns(std::string_view option, std::string_view text);

// The inode of the calling thread's network namespace; 0 if it cannot be
// read.
std::uint32_t current_netns_inode();

} // namespace nettrace
