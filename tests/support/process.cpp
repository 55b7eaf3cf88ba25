// SPDX-License-Identifier: MIT
#include "process.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace nettrace::test {

namespace {

void drain(int fd, std::string &into, bool &open)
{
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n > 0)
		into.append(buf, static_cast<size_t>(n));
	else if (n == 0 || (errno != EINTR && errno != EAGAIN))
		open = false;
}

} // namespace

namespace {

struct Spawned {
	pid_t pid;
	int out_fd;
	int err_fd;
};

Spawned spawn(const std::vector<std::string> &argv, const std::vector<std::string> &env)
{
	int out_pipe[2], err_pipe[2];
	if (pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC))
		throw std::runtime_error("pipe: " + std::string(strerror(errno)));

	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
	posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
	posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);

	// Later entries override earlier ones and the inherited environment.
	std::vector<std::string> env_strings;
	auto name_of = [](const std::string &kv) { return kv.substr(0, kv.find('=')); };
	auto overridden = [&](const std::string &kv, size_t from) {
		for (size_t i = from; i < env.size(); ++i)
			if (name_of(env[i]) == name_of(kv))
				return true;
		return false;
	};
	for (char **e = environ; *e; ++e)
		if (!overridden(*e, 0))
			env_strings.emplace_back(*e);
	for (size_t i = 0; i < env.size(); ++i)
		if (!overridden(env[i], i + 1))
			env_strings.push_back(env[i]);
	std::vector<char *> envp, args;
	for (auto &s : env_strings)
		envp.push_back(s.data());
	envp.push_back(nullptr);
	std::vector<std::string> argv_copy = argv;
	for (auto &s : argv_copy)
		args.push_back(s.data());
	args.push_back(nullptr);

	pid_t pid;
	int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
	posix_spawn_file_actions_destroy(&actions);
	close(out_pipe[1]);
	close(err_pipe[1]);
	if (rc != 0) {
		close(out_pipe[0]);
		close(err_pipe[0]);
		throw std::runtime_error("cannot start " + argv[0] + ": " + strerror(rc));
	}
	return {pid, out_pipe[0], err_pipe[0]};
}

void reap(pid_t pid, ProcessResult &result)
{
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	if (WIFEXITED(status))
		result.exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		result.signal = WTERMSIG(status);
}

} // namespace

ProcessResult run_process(const std::vector<std::string> &argv, const std::vector<std::string> &env)
{
	const Spawned child = spawn(argv, env);
	ProcessResult result;
	bool out_open = true, err_open = true;
	while (out_open || err_open) {
		pollfd fds[2] = {{out_open ? child.out_fd : -1, POLLIN, 0},
				 {err_open ? child.err_fd : -1, POLLIN, 0}};
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (out_open && fds[0].revents)
			drain(child.out_fd, result.out, out_open);
		if (err_open && fds[1].revents)
			drain(child.err_fd, result.err, err_open);
	}
	close(child.out_fd);
	close(child.err_fd);
	reap(child.pid, result);
	return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string> &argv,
				     const std::vector<std::string> &env)
{
	const Spawned child = spawn(argv, env);
	pid_ = child.pid;
	out_fd_ = child.out_fd;
	err_fd_ = child.err_fd;
}

BackgroundProcess::~BackgroundProcess()
{
	if (!exited_) {
		kill(pid_, SIGKILL);
		reap(pid_, result_);
	}
	if (out_fd_ >= 0)
		close(out_fd_);
	if (err_fd_ >= 0)
		close(err_fd_);
}

bool BackgroundProcess::pump(int wait_ms)
{
	bool out_open = out_fd_ >= 0, err_open = err_fd_ >= 0;
	if (!out_open && !err_open)
		return false;
	pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
	if (poll(fds, 2, wait_ms) <= 0)
		return true;
	if (out_open && fds[0].revents)
		drain(out_fd_, result_.out, out_open);
	if (err_open && fds[1].revents)
		drain(err_fd_, result_.err, err_open);
	if (!out_open && out_fd_ >= 0) {
		close(out_fd_);
		out_fd_ = -1;
	}
	if (!err_open && err_fd_ >= 0) {
		close(err_fd_);
		err_fd_ = -1;
	}
	return out_fd_ >= 0 || err_fd_ >= 0;
}

bool BackgroundProcess::wait_for(std::string_view needle, std::chrono::milliseconds timeout,
				 bool in_stderr)
{
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	const std::string &text = in_stderr ? result_.err : result_.out;
	while (text.find(needle) == std::string::npos) {
		const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
			deadline - std::chrono::steady_clock::now());
		if (left.count() <= 0 || !pump(static_cast<int>(std::min<long>(left.count(), 100))))
			return text.find(needle) != std::string::npos;
	}
	return true;
}

void BackgroundProcess::signal(int sig)
{
	if (!exited_)
		kill(pid_, sig);
}

ProcessResult BackgroundProcess::finish(std::chrono::milliseconds timeout)
{
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	while (pump(100)) {
		if (std::chrono::steady_clock::now() > deadline) {
			kill(pid_, SIGKILL);
			break;
		}
	}
	if (!exited_) {
		reap(pid_, result_);
		exited_ = true;
	}
	return result_;
}

void run_shell_checked(const std::string &script)
{
	ProcessResult r = run_process({"sh", "-c", script});
	ASSERT_EQ(r.exit_code, 0) << "set-up step failed: " << script << "\n" << r.out << r.err;
}

} // namespace nettrace::test
