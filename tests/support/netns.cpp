// SPDX-License-Identifier: MIT
#include "netns.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <exception>
#include <fcntl.h>
#include <mutex>
#include <sched.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/stat.h>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace nettrace::test {

namespace {

constexpr const char *kNamePrefix = "nttest-";
constexpr const char *kNetnsDir = "/run/netns/";

std::string describe_failure(const std::string &what, const ProcessResult &r)
{
	std::string msg = what + " failed (exit " + std::to_string(r.exit_code);
	if (r.signal)
		msg += ", signal " + std::to_string(r.signal);
	msg += ")";
	if (!r.out.empty())
		msg += "\nstdout: " + r.out;
	if (!r.err.empty())
		msg += "\nstderr: " + r.err;
	return msg;
}

void run_checked(const std::vector<std::string> &argv)
{
	ProcessResult r = run_process(argv);
	if (r.exit_code != 0) {
		std::string cmd;
		for (const std::string &a : argv)
			cmd += (cmd.empty() ? "" : " ") + a;
		throw std::runtime_error(describe_failure(cmd, r));
	}
}

// Removes namespaces named nttest-<pid>-<n> whose process is gone: a test
// that crashed or was killed never ran its destructors.
void remove_stale_namespaces()
{
	DIR *dir = opendir(kNetnsDir);
	if (!dir)
		return;
	std::vector<std::string> stale;
	while (dirent *entry = readdir(dir)) {
		const std::string name = entry->d_name;
		if (name.rfind(kNamePrefix, 0) != 0)
			continue;
		const std::string rest = name.substr(std::strlen(kNamePrefix));
		char *end = nullptr;
		const long pid = std::strtol(rest.c_str(), &end, 10);
		if (pid <= 0 || end == rest.c_str() || *end != '-')
			continue;
		if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
			stale.push_back(name);
	}
	closedir(dir);
	for (const std::string &name : stale)
		run_process({"ip", "netns", "delete", name});
}

} // namespace

TestNetns::TestNetns()
{
	static std::once_flag cleaned;
	std::call_once(cleaned, remove_stale_namespaces);

	static std::atomic<unsigned> counter{0};
	name_ = kNamePrefix + std::to_string(getpid()) + "-" + std::to_string(counter.fetch_add(1));
	run_checked({"ip", "netns", "add", name_});

	struct stat st {};
	if (stat(path().c_str(), &st) != 0) {
		const int err = errno;
		run_process({"ip", "netns", "delete", name_});
		throw std::system_error(err, std::generic_category(), "stat " + path());
	}
	inode_ = static_cast<std::uint32_t>(st.st_ino);
	try {
		exec_checked("ip link set lo up");
	} catch (...) {
		run_process({"ip", "netns", "delete", name_});
		throw;
	}
}

TestNetns::~TestNetns()
{
	try {
		run_process({"ip", "netns", "delete", name_});
	} catch (...) {
		// A destructor must not throw; the stale-namespace sweep of the
		// next test process removes what is left.
	}
}

std::string TestNetns::path() const
{
	return kNetnsDir + name_;
}

ProcessResult TestNetns::exec(const std::string &command) const
{
	return run_process({"ip", "netns", "exec", name_, "sh", "-c", command});
}

void TestNetns::exec_checked(const std::string &command) const
{
	ProcessResult r = exec(command);
	if (r.exit_code != 0)
		throw std::runtime_error(describe_failure("in " + name_ + ": " + command, r));
}

std::string TestNetns::next_ifname()
{
	return "veth" + std::to_string(ifname_counter_++);
}

void TestNetns::wait_for_carrier(const std::string &ifname) const
{
	using clock = std::chrono::steady_clock;
	const auto deadline = clock::now() + std::chrono::seconds(10);
	for (;;) {
		ProcessResult r = exec("ip -o link show dev " + ifname);
		if (r.exit_code == 0 && r.out.find("LOWER_UP") != std::string::npos)
			return;
		if (clock::now() > deadline)
			throw std::runtime_error("in " + name_ + ": " + ifname +
						 " has no carrier after 10 s: " + r.out + r.err);
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
}

VethPair TestNetns::add_veth(TestNetns &peer, const VethAddresses &local,
			     const VethAddresses &remote)
{
	VethPair pair{next_ifname(), peer.next_ifname()};
	// Made inside this namespace with the peer end placed straight into
	// the other one, so that no name ever exists in the caller's
	// namespace, where it could clash.
	exec_checked("ip link add " + pair.local_ifname + " type veth peer name " +
		     pair.peer_ifname + " netns " + peer.name());

	auto configure = [](const TestNetns &ns, const std::string &ifname,
			    const VethAddresses &addrs) {
		// Set before the link comes up, when the kernel would start
		// sending on its own: without IPv6 addresses the end has no
		// IPv6 at all (no link-local address, DAD, router
		// solicitations or MLD reports); with them, DAD and router
		// solicitations are off.
		const std::string conf = "/proc/sys/net/ipv6/conf/" + ifname + "/";
		if (addrs.ipv6.empty())
			ns.exec_checked("echo 1 > " + conf + "disable_ipv6");
		else
			ns.exec_checked("echo 0 > " + conf + "accept_dad && echo 0 > " + conf +
					"router_solicitations");
		if (!addrs.ipv4.empty())
			ns.exec_checked("ip addr add " + addrs.ipv4 + " dev " + ifname);
		if (!addrs.ipv6.empty())
			ns.exec_checked("ip -6 addr add " + addrs.ipv6 + " dev " + ifname +
					" nodad");
		ns.exec_checked("ip link set " + ifname + " up");
	};
	configure(*this, pair.local_ifname, local);
	configure(peer, pair.peer_ifname, remote);
	wait_for_carrier(pair.local_ifname);
	peer.wait_for_carrier(pair.peer_ifname);
	return pair;
}

void TestNetns::run_in(const std::function<void()> &fn) const
{
	std::exception_ptr error;
	const std::string ns_path = path();
	// setns() changes only the calling thread; a helper thread that ends
	// right after means no thread ever has to switch back.
	std::thread helper([&] {
		try {
			int fd = open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				throw std::system_error(errno, std::generic_category(),
							"open " + ns_path);
			if (setns(fd, CLONE_NEWNET) != 0) {
				const int err = errno;
				close(fd);
				throw std::system_error(err, std::generic_category(),
							"setns " + ns_path);
			}
			close(fd);
			fn();
		} catch (...) {
			error = std::current_exception();
		}
	});
	helper.join();
	if (error)
		std::rethrow_exception(error);
}

int TestNetns::socket_in(int domain, int type, int protocol) const
{
	int fd = -1;
	int err = 0;
	run_in([&] {
		fd = ::socket(domain, type | SOCK_CLOEXEC, protocol);
		if (fd < 0)
			err = errno;
	});
	if (fd < 0)
		throw std::system_error(err, std::generic_category(), "socket in " + name_);
	return fd;
}

} // namespace nettrace::test
