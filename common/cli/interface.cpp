// SPDX-License-Identifier: MIT
#include <nettrace/common/cli/interface.hpp>
#include <nettrace/common/cli/netns.hpp>
#include <nettrace/common/cli/text.hpp>
#include <nettrace/errors.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <net/if.h>
#include <sched.h>
#include <thread>
#include <unistd.h>

namespace nettrace {

namespace {

// What the kernel's dev_valid_name() accepts, so that a name no device
// can have is refused as such rather than as "not found".
void check_device_name(std::string_view option, std::string_view name)
{
	if (name.empty())
		throw UsageError(fmt::format(
			"{}: empty value, expected a network device name such as eth0", option));
	if (name.size() >= IFNAMSIZ)
		throw UsageError(fmt::format("{}: {} is longer than {} characters, the most a "
					     "device name can have",
					     option, quoted_value(name), IFNAMSIZ - 1));
	bool bad = name == "." || name == "..";
	for (unsigned char c : name)
		bad = bad || c == '/' || c == ':' || c <= ' ' || c >= 0x7f;
	if (bad)
		throw UsageError(fmt::format("{}: {} is not a valid network device name", option,
					     quoted_value(name)));
}

// Runs `fn` on a helper thread that joined the namespace of `ns_fd`: a
// thread's network namespace is its own, so the caller's never changes.
// The errno of setns(), or 0.
int in_namespace(int ns_fd, const std::function<void()> &fn)
{
	int setns_errno = 0;
	std::thread helper([&] {
		if (setns(ns_fd, CLONE_NEWNET) != 0)
			setns_errno = errno;
		else
			fn();
	});
	helper.join();
	return setns_errno;
}

// if_nametoindex() in the namespace of `ns_fd`.
unsigned index_in_namespace(int ns_fd, const std::string &name, int &setns_errno)
{
	unsigned index = 0;
	setns_errno = in_namespace(ns_fd, [&] { index = if_nametoindex(name.c_str()); });
	return index;
}

} // namespace

InterfaceInNetns resolve_interface(std::string_view option, std::string_view name,
				   const std::optional<std::string> &netns, std::uint32_t netns_ino)
{
	check_device_name(option, name);
	const std::string device(name);
	if (!netns) {
		const unsigned index = if_nametoindex(device.c_str());
		if (!index)
			throw UsageError(fmt::format("{}: no device {} in this network namespace "
						     "(add --netns NS for one in another)",
						     option, quoted_value(name)));
		// The index alone would match its number in every namespace.
		const std::uint32_t own = current_netns_inode();
		if (!own)
			throw RuntimeError(fmt::format(
				"{}: cannot tell this process's network namespace (/proc/self/ns/net)",
				option));
		return {index, own};
	}

	const std::optional<std::string> file = netns_file(*netns);
	if (!file)
		throw UsageError(fmt::format("{}: a device is looked up in the namespace --netns "
					     "names, which needs a path or a name in /run/netns, "
					     "not the inode number {}",
					     option, quoted_value(*netns)));
	const int fd = open(file->c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		throw RuntimeError(fmt::format("{}: cannot open {} to look {} up: {}", option,
					       quoted_value(*file), quoted_value(name),
					       std::strerror(errno)));
	int setns_errno = 0;
	const unsigned index = index_in_namespace(fd, device, setns_errno);
	close(fd);
	if (setns_errno)
		throw RuntimeError(fmt::format("{}: cannot enter network namespace {} to look {} "
					       "up: {}",
					       option, quoted_value(*netns), quoted_value(name),
					       std::strerror(setns_errno)));
	if (!index)
		throw UsageError(fmt::format("{}: no device {} in network namespace {}", option,
					     quoted_value(name), quoted_value(*netns)));
	return {index, netns_ino};
}

std::string interface_name_in_netns(int ns_fd, std::uint32_t ifindex)
{
	char name[IF_NAMESIZE] = "";
	if (in_namespace(ns_fd, [&] {
		    if (!if_indextoname(ifindex, name))
			    name[0] = '\0';
	    }) != 0)
		return {};
	return name;
}

} // namespace nettrace
