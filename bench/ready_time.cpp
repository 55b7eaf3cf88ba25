// SPDX-License-Identifier: MIT
// nettrace-bench-ready: how long a tracer takes from exec to ready.
//
//   nettrace-bench-ready [--stderr] [--timeout SECONDS] PREFIX -- COMMAND [ARG...]
//
// Runs COMMAND with its stdout (or stderr) on a pipe and the other stream
// on /dev/null, and prints the milliseconds from just before its exec to the
// moment a line starting with PREFIX was read, both on CLOCK_MONOTONIC.
// Then it stops COMMAND with SIGINT (SIGKILL if that takes over 10 s) and
// waits for it, so nothing stays attached. Exit 1 if COMMAND ends or times
// out before the line, 2 for a bad command line.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

constexpr const char *kProgram = "nettrace-bench-ready";

std::int64_t now_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

int usage_error(const std::string &what)
{
	fmt::print(stderr, "{}: {}\n", kProgram, what);
	return 2;
}

[[noreturn]] void fail(const std::string &what)
{
	throw std::runtime_error(what + ": " + std::strerror(errno));
}

// Waits up to `timeout_ns` for `pid`; true if it was reaped.
bool reap_within(pid_t pid, std::int64_t timeout_ns, int &status)
{
	const std::int64_t deadline = now_ns() + timeout_ns;
	for (;;) {
		const pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR)
			return true;
		if (now_ns() >= deadline)
			return false;
		usleep(10'000);
	}
}

void stop(pid_t pid, int read_fd)
{
	kill(pid, SIGINT);
	// Keep reading so a tracer printing its maps on exit never blocks on a
	// full pipe.
	char buf[4096];
	const std::int64_t deadline = now_ns() + 10'000'000'000;
	int status = 0;
	while (now_ns() < deadline) {
		pollfd p{read_fd, POLLIN, 0};
		if (poll(&p, 1, 50) > 0 && read(read_fd, buf, sizeof(buf)) <= 0)
			break;
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
	}
	if (!reap_within(pid, std::max<std::int64_t>(deadline - now_ns(), 0), status)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
}

int run(bool watch_stderr, double timeout_s, std::string_view prefix, char **command)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		fail("pipe");
	// The child writes its exec time here: the parent cannot see the
	// moment between fork and exec.
	void *shared = mmap(nullptr, sizeof(std::int64_t), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		fail("mmap");
	auto *exec_ns = static_cast<volatile std::int64_t *>(shared);

	const pid_t parent = getpid();
	const pid_t pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		// A tracer must not outlive whoever measures it, however that ends.
		prctl(PR_SET_PDEATHSIG, SIGINT);
		if (getppid() != parent)
			_exit(127);
		const int null = open("/dev/null", O_WRONLY);
		const int watched = watch_stderr ? STDERR_FILENO : STDOUT_FILENO;
		const int other = watch_stderr ? STDOUT_FILENO : STDERR_FILENO;
		dup2(pipefd[1], watched);
		dup2(null, other);
		*exec_ns = now_ns();
		execvp(command[0], command);
		_exit(127);
	}
	close(pipefd[1]);

	std::string line;
	const std::int64_t deadline = now_ns() + static_cast<std::int64_t>(timeout_s * 1e9);
	char buf[4096];
	for (;;) {
		const std::int64_t left_ms = (deadline - now_ns()) / 1'000'000;
		if (left_ms <= 0) {
			stop(pid, pipefd[0]);
			throw std::runtime_error(
				fmt::format("{} not ready after {} s", command[0], timeout_s));
		}
		pollfd p{pipefd[0], POLLIN, 0};
		if (poll(&p, 1, static_cast<int>(left_ms)) <= 0)
			continue;
		const ssize_t n = read(pipefd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int status = 0;
			waitpid(pid, &status, 0);
			throw std::runtime_error(fmt::format(
				"{} ended (status {}) before printing '{}'", command[0],
				WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
				prefix));
		}
		// Only complete lines count: the prefix may arrive in pieces.
		line.append(buf, static_cast<std::size_t>(n));
		bool ready = false;
		std::size_t start = 0;
		for (std::size_t nl; (nl = line.find('\n', start)) != std::string::npos;
		     start = nl + 1) {
			if (std::string_view(line).substr(start, nl - start).starts_with(prefix)) {
				ready = true;
				break;
			}
		}
		if (ready) {
			const std::int64_t ready_ns = now_ns();
			fmt::print("{:.1f}\n", static_cast<double>(ready_ns - *exec_ns) / 1e6);
			std::fflush(stdout);
			stop(pid, pipefd[0]);
			return 0;
		}
		line.erase(0, start);
	}
}

} // namespace

int main(int argc, char **argv)
{
	bool watch_stderr = false;
	double timeout_s = 60;
	int i = 1;
	for (; i < argc; ++i) {
		const std::string_view arg = argv[i];
		if (arg == "--stderr") {
			watch_stderr = true;
		} else if (arg == "--timeout" && i + 1 < argc) {
			const std::string_view v = argv[++i];
			const auto [end, ec] =
				std::from_chars(v.data(), v.data() + v.size(), timeout_s);
			if (ec != std::errc{} || end != v.data() + v.size() || timeout_s <= 0)
				return usage_error(
					fmt::format("--timeout: not a positive number: '{}'", v));
		} else {
			break;
		}
	}
	if (argc - i < 3 || std::string_view(argv[i + 1]) != "--")
		return usage_error("usage: nettrace-bench-ready [--stderr] [--timeout SECONDS] "
				   "PREFIX -- COMMAND [ARG...]");
	try {
		return run(watch_stderr, timeout_s, argv[i], argv + i + 2);
	} catch (const std::exception &e) {
		fmt::print(stderr, "{}: {}\n", kProgram, e.what());
		return 1;
	}
}
