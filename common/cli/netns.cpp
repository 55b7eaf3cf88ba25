// SPDX-License-Identifier: MIT
#include <nettrace/common/cli/netns.hpp>
#include <nettrace/common/cli/text.hpp>
#include <nettrace/errors.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <sched.h>
#include <sstream>
#include <string>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace nettrace {

namespace {

// From <linux/magic.h> and <linux/nsfs.h>; spelled out so that the build
// does not depend on how new the installed kernel headers are.
constexpr long kNsfsMagic = 0x6e736673;
constexpr unsigned long kNsGetNsType = (0xb7 << 8) | 0x3; // _IO(0xb7, 0x3)

std::uint32_t parse_inode(std::string_view option, std::string_view text, std::string_view digits)
{
	std::uint64_t value = 0;
	auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
	if (ec != std::errc() || end != digits.data() + digits.size() || value > UINT32_MAX)
		throw UsageError(fmt::format("{}: inode number {} is out of range (1-{})", option,
					     quoted_value(text), UINT32_MAX));
	if (value == 0)
		throw UsageError(
			fmt::format("{}: {} is not a namespace inode number (0 is never used)",
				    option, quoted_value(text)));
	return static_cast<std::uint32_t>(value);
}

const char *namespace_kind(int clone_flag)
{
	switch (clone_flag) {
	case CLONE_NEWNS:
		return "mount";
	case CLONE_NEWUTS:
		return "uts";
	case CLONE_NEWIPC:
		return "ipc";
	case CLONE_NEWUSER:
		return "user";
	case CLONE_NEWPID:
		return "pid";
	case CLONE_NEWCGROUP:
		return "cgroup";
#ifdef CLONE_NEWTIME
	case CLONE_NEWTIME:
		return "time";
#endif
	default:
		return "non-network";
	}
}

std::uint32_t inode_of_namespace_file(std::string_view option, std::string_view text,
				      const std::string &path)
{
	struct stat st {};
	if (stat(path.c_str(), &st) != 0) {
		// A bare name was looked up in /run/netns: say where.
		const std::string where =
			path == text ? std::string() : " (" + quoted_value(path) + ")";
		throw UsageError(fmt::format("{}: {}{}: {}", option, quoted_value(text), where,
					     std::strerror(errno)));
	}

	struct statfs fs {};
	if (statfs(path.c_str(), &fs) == 0 && static_cast<long>(fs.f_type) != kNsfsMagic)
		throw UsageError(
			fmt::format("{}: {} is not a namespace file (expected /proc/PID/ns/net, "
				    "/run/netns/NAME or an inode number)",
				    option, quoted_value(text)));

	// NS_GET_NSTYPE (Linux 4.11) tells a network namespace from the
	// others; where it is missing or the file cannot be opened, the nsfs
	// check above has to do.
	int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		int type = ioctl(fd, kNsGetNsType);
		close(fd);
		if (type >= 0 && type != CLONE_NEWNET)
			throw UsageError(
				fmt::format("{}: {} is a {} namespace, not a network namespace",
					    option, quoted_value(text), namespace_kind(type)));
	}
	return static_cast<std::uint32_t>(st.st_ino);
}

// Namespaces take their inode numbers from the top of the range: fixed
// ones for the first namespaces (init_net has 0xEFFFFFF9 since Linux 6.x),
// the rest counted up from 0xF0000000 (fs/proc/generic.c). Below this,
// which leaves room for more fixed ones, no kernel gives one out.
constexpr std::uint32_t kLowestNamespaceInode = 0xEFFFF000;

enum class Seen { yes, no, cannot_tell };

// What the symbolic link at `path` reads ("net:[N]", "mnt:[N]"), or why
// not: Seen::no for a link that vanished (its task exited), Seen::cannot_tell
// for one we may not read.
struct LinkText {
	std::string text;
	Seen unread = Seen::no;
};

LinkText read_link(const std::string &path)
{
	char buffer[64];
	const ssize_t n = readlink(path.c_str(), buffer, sizeof(buffer));
	if (n < 0)
		return {{}, errno == EACCES || errno == EPERM ? Seen::cannot_tell : Seen::no};
	return {std::string(buffer, static_cast<std::size_t>(n)), Seen::no};
}

// Whether the symbolic link at `path` reads `target`.
Seen link_reads(const std::string &path, std::string_view target)
{
	const LinkText link = read_link(path);
	if (link.text.empty())
		return link.unread;
	return link.text == target ? Seen::yes : Seen::no;
}

// Whether any numeric entry of `dir` (/proc/PID/task or /proc/PID/fd)
// leads, through `suffix`, to a link that reads `target`.
Seen any_link_reads(const std::string &dir, const char *suffix, std::string_view target)
{
	DIR *d = opendir(dir.c_str());
	if (!d)
		return errno == EACCES || errno == EPERM ? Seen::cannot_tell : Seen::no;
	Seen result = Seen::no;
	while (const dirent *entry = readdir(d)) {
		if (!is_decimal(entry->d_name))
			continue;
		const Seen s = link_reads(dir + "/" + entry->d_name + suffix, target);
		if (s == Seen::yes) {
			result = s;
			break;
		}
		if (s == Seen::cannot_tell)
			result = s;
	}
	closedir(d);
	return result;
}

// Whether a bind mount in the mount table at `path` (a mountinfo file)
// is of `target`: its root reads "net:[N]". Seen::cannot_tell when the
// table cannot be read (its task exited, or we may not).
Seen mounted_in(const std::string &path, std::string_view target)
{
	std::ifstream mountinfo(path);
	if (!mountinfo)
		return Seen::cannot_tell;
	for (std::string line; std::getline(mountinfo, line);) {
		std::istringstream fields(line);
		std::string id, parent, device, root;
		if (fields >> id >> parent >> device >> root && root == target)
			return Seen::yes;
	}
	return Seen::no;
}

// Whether a mount namespace other than ours, of any of `pids`, holds a
// bind mount of `target`: a container runtime's /run/netns may be in a
// mount namespace of its own. Each mount namespace is read once, through
// the first of its tasks whose table could be read.
Seen mounted_in_other_namespaces(const std::vector<std::string> &pids, std::string_view target)
{
	const LinkText ours = read_link("/proc/self/ns/mnt");
	if (ours.text.empty())
		return Seen::cannot_tell;
	std::vector<std::string> tables_read{ours.text}, tables_unread;
	Seen result = Seen::no;
	for (const std::string &pid : pids) {
		const LinkText mnt = read_link("/proc/" + pid + "/ns/mnt");
		if (mnt.text.empty()) {
			if (mnt.unread == Seen::cannot_tell)
				result = Seen::cannot_tell;
			continue;
		}
		if (std::find(tables_read.begin(), tables_read.end(), mnt.text) !=
		    tables_read.end())
			continue;
		const Seen seen = mounted_in("/proc/" + pid + "/mountinfo", target);
		if (seen == Seen::yes)
			return seen;
		// Unread, another task of the same namespace may read it.
		(seen == Seen::no ? tables_read : tables_unread).push_back(mnt.text);
	}
	for (const std::string &mnt : tables_unread)
		if (std::find(tables_read.begin(), tables_read.end(), mnt) == tables_read.end())
			return Seen::cannot_tell;
	return result;
}

// Where a network namespace can be: a bind mount (its root reads
// "net:[N]" in mountinfo), ours or another mount namespace's, a task's
// namespace, or an open file.
Seen netns_inode_seen(std::uint32_t inode)
{
	if (inode == current_netns_inode())
		return Seen::yes;
	const std::string target = fmt::format("net:[{}]", inode);
	if (mounted_in("/proc/self/mountinfo", target) == Seen::yes)
		return Seen::yes;
	std::vector<std::string> pids;
	if (DIR *proc = opendir("/proc")) {
		while (const dirent *entry = readdir(proc))
			if (is_decimal(entry->d_name))
				pids.emplace_back(entry->d_name);
		closedir(proc);
	}
	if (pids.empty())
		return Seen::cannot_tell;
	bool complete = true;
	// Tasks first: a namespace held only by an open file is rare, and
	// there are many more files than tasks.
	const std::pair<const char *, const char *> places[] = {{"/task", "/ns/net"}, {"/fd", ""}};
	for (const auto &[folder, suffix] : places) {
		for (const std::string &pid : pids) {
			const Seen s = any_link_reads("/proc/" + pid + folder, suffix, target);
			if (s == Seen::yes)
				return s;
			complete = complete && s != Seen::cannot_tell;
		}
	}
	const Seen mounted = mounted_in_other_namespaces(pids, target);
	if (mounted == Seen::yes)
		return mounted;
	return complete && mounted == Seen::no ? Seen::no : Seen::cannot_tell;
}

} // namespace

std::uint32_t parse_netns(std::string_view option, std::string_view text)
{
	if (text.empty())
		throw UsageError(
			fmt::format("{}: empty value, expected an inode number, a path like "
				    "/proc/PID/ns/net or a name in /run/netns",
				    option));

	if (is_decimal(text))
		return parse_inode(option, text, text);

	// "net:[4026531840]", as readlink() shows a namespace link.
	const size_t open_bracket = text.find(":[");
	if (open_bracket != std::string_view::npos && text.back() == ']' &&
	    text.find('/') == std::string_view::npos) {
		const std::string_view kind = text.substr(0, open_bracket);
		const std::string_view digits =
			text.substr(open_bracket + 2, text.size() - open_bracket - 3);
		if (kind != "net")
			throw UsageError(
				fmt::format("{}: {} names a {} namespace, not a network namespace",
					    option, quoted_value(text), quoted_value(kind)));
		if (!is_decimal(digits))
			throw UsageError(fmt::format("{}: {} does not hold an inode number", option,
						     quoted_value(text)));
		return parse_inode(option, text, digits);
	}

	if (text.find('\0') != std::string_view::npos)
		throw UsageError(
			fmt::format("{}: {} is not a valid path", option, quoted_value(text)));
	if (text == "." || text == "..")
		throw UsageError(
			fmt::format("{}: {} is not a namespace name", option, quoted_value(text)));
	return inode_of_namespace_file(option, text, *netns_file(text));
}

std::optional<std::string> netns_file(std::string_view text)
{
	if (text.empty() || is_decimal(text) ||
	    (text.find(":[") != std::string_view::npos && text.back() == ']' &&
	     text.find('/') == std::string_view::npos))
		return std::nullopt;
	if (text.find('/') == std::string_view::npos)
		return "/run/netns/" + std::string(text);
	return std::string(text);
}

std::uint32_t parse_live_netns(std::string_view option, std::string_view text)
{
	const std::uint32_t inode = parse_netns(option, text);
	// A path or a name was found on disk: its namespace exists.
	const bool number = is_decimal(text) || text.rfind("net:[", 0) == 0;
	if (number && (inode < kLowestNamespaceInode || netns_inode_seen(inode) == Seen::no))
		throw UsageError(fmt::format("{}: no network namespace has inode {} "
					     "(see 'lsns -t net')",
					     option, quoted_value(text)));
	return inode;
}

std::uint32_t current_netns_inode()
{
	struct stat st {};
	if (stat("/proc/thread-self/ns/net", &st) != 0 && stat("/proc/self/ns/net", &st) != 0)
		return 0;
	return static_cast<std::uint32_t>(st.st_ino);
}

} // namespace nettrace
