// SPDX-License-Identifier: MIT
#include "check_child.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>

namespace nettrace::doctor {

namespace {

using nlohmann::json;

// The child's side: one JSON line per finding, then {"result": code}.
void write_line(int fd, const json &line) noexcept
try {
	const std::string text = line.dump() + "\n";
	for (std::size_t done = 0; done < text.size();) {
		const ssize_t n = write(fd, text.data() + done, text.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		done += static_cast<std::size_t>(n);
	}
} catch (...) {
}

void send_finding(nettrace_check_sink *sink, int status, const char *what, const char *detail,
		  const char *fix) noexcept
try {
	json line = {{"status", status},
		     {"what", what ? what : "?"},
		     {"detail", detail ? detail : ""}};
	if (fix)
		line["fix"] = fix;
	write_line(static_cast<int>(reinterpret_cast<std::intptr_t>(sink->context)), line);
} catch (...) {
}

[[noreturn]] void child(const nettrace_host *host, const nettrace_plugin &plugin, pid_t parent,
			int fd) noexcept
{
	// Never outlive doctor; a check's stdout would land inside the report.
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	dup2(STDERR_FILENO, STDOUT_FILENO);
	if (const int null = open("/dev/null", O_RDONLY | O_CLOEXEC); null >= 0)
		dup2(null, STDIN_FILENO);
	nettrace_check_sink sink{sizeof(nettrace_check_sink),
				 reinterpret_cast<void *>(static_cast<std::intptr_t>(fd)),
				 &send_finding};
	int result = NETTRACE_EXIT_FAILURE;
	try {
		result = plugin.check(host, &sink);
	} catch (...) {
	}
	write_line(fd, {{"result", result}});
	std::fflush(nullptr);
	// _exit: doctor's atexit handlers and static destructors are the
	// parent's to run, once.
	_exit(0);
}

Status status_of(int status)
{
	return status == NETTRACE_CHECK_OK         ? Status::Ok
	       : status == NETTRACE_CHECK_DEGRADED ? Status::Degraded
						   : Status::Missing;
}

// The parent's side: every complete line received, as it comes.
struct Received {
	std::string pending;
	bool finished = false; // the {"result"} line came
	bool garbled = false;
	int result = NETTRACE_EXIT_FAILURE;
};

void take_lines(Received &r, PluginVerdict &v)
{
	for (std::size_t nl; !r.garbled && (nl = r.pending.find('\n')) != std::string::npos;) {
		const json line = json::parse(r.pending.substr(0, nl), nullptr, false);
		r.pending.erase(0, nl + 1);
		if (!line.is_object()) {
			r.garbled = true;
		} else if (line.contains("result")) {
			r.finished = true;
			r.result = line.value("result", NETTRACE_EXIT_FAILURE);
		} else {
			Finding f;
			f.name = fmt::format("{}: {}", v.name, line.value("what", "?"));
			f.status = status_of(line.value("status", NETTRACE_CHECK_MISSING));
			f.detail = line.value("detail", "");
			f.fix = line.value("fix", "");
			v.status = std::max(v.status, f.status);
			v.findings.push_back(std::move(f));
		}
	}
}

// Reads until the child closes its end or the limit passes; false when
// the limit passed.
bool read_findings(int fd, Received &r, PluginVerdict &v)
{
	using clock = std::chrono::steady_clock;
	const auto deadline = clock::now() + check_time_limit;
	char buf[4096];
	for (;;) {
		const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
			deadline - clock::now());
		if (left.count() <= 0)
			return false;
		pollfd p{fd, POLLIN, 0};
		const int ready = poll(&p, 1, static_cast<int>(left.count()));
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready == 0)
			return false;
		const ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return true;
		r.pending.append(buf, static_cast<std::size_t>(n));
		take_lines(r, v);
	}
}

std::string signal_name(int sig)
{
	const char *abbrev = sigabbrev_np(sig);
	return abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

} // namespace

bool run_check_in_child(const nettrace_host *host, const nettrace_plugin &plugin, PluginVerdict &v)
{
	auto missing = [&v](std::string detail) {
		v.findings.push_back(
			{v.name + ": check", Status::Missing, std::move(detail), {}, {}});
		v.status = Status::Missing;
	};
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		missing(fmt::format("cannot be checked: pipe: {}", strerror(errno)));
		return true;
	}
	// What is buffered now would be written by both processes.
	std::fflush(nullptr);
	const pid_t parent = getpid();
	const pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		child(host, plugin, parent, fds[1]);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		missing(fmt::format("cannot be checked: fork: {}", strerror(errno)));
		return true;
	}
	Received r;
	const bool in_time = read_findings(fds[0], r, v);
	close(fds[0]);
	if (!in_time)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	if (!in_time) {
		missing(fmt::format("check did not finish within {} seconds and was killed",
				    check_time_limit.count()));
	} else if (WIFSIGNALED(status)) {
		missing("check crashed: " + signal_name(WTERMSIG(status)));
	} else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		missing(fmt::format("check exited with status {}", WEXITSTATUS(status)));
	} else if (r.garbled || !r.finished) {
		missing("check ended before finishing its report");
	} else {
		return r.result != NETTRACE_EXIT_OK;
	}
	return true;
}

} // namespace nettrace::doctor
