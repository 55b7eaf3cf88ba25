// SPDX-License-Identifier: MIT
#include <nettrace/common/bpf/libbpf_log.hpp>

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <deque>
#include <fmt/format.h>
#include <mutex>

namespace nettrace::bpf {

namespace {

constexpr std::size_t kept_log_lines = 200;

struct LibbpfLog {
	std::mutex lock;
	std::deque<std::string> lines;
	std::string partial; // a line libbpf has not finished yet
	bool verbose = false;
	// The printer installed before this one, in another copy of this
	// library (doctor's, while a plugin's check runs): told every line.
	libbpf_print_fn_t forward = nullptr;
};

LibbpfLog &log_state()
{
	static LibbpfLog state;
	return state;
}

int on_libbpf_print(enum libbpf_print_level level, const char *format, va_list args)
{
	LibbpfLog &log = log_state();
	char buf[1024];
	va_list copy;
	va_copy(copy, args);
	vsnprintf(buf, sizeof(buf), format, copy);
	va_end(copy);
	if (log.forward) {
		va_list again;
		va_copy(again, args);
		log.forward(level, format, again);
		va_end(again);
	}
	// libbpf's debug level narrates every relocation: never kept.
	if (level == LIBBPF_DEBUG)
		return 0;
	if (log.verbose)
		std::fputs(buf, stderr);
	std::lock_guard guard(log.lock);
	log.partial += buf;
	for (std::size_t nl; (nl = log.partial.find('\n')) != std::string::npos;) {
		log.lines.push_back(log.partial.substr(0, nl));
		log.partial.erase(0, nl + 1);
		if (log.lines.size() > kept_log_lines)
			log.lines.pop_front();
	}
	return 0;
}

} // namespace

libbpf_print_fn_t capture_libbpf_log(bool verbose)
{
	log_state().verbose = verbose;
	log_state().forward = nullptr;
	return libbpf_set_print(on_libbpf_print);
}

libbpf_print_fn_t capture_libbpf_log_for_check()
{
	LibbpfLog &log = log_state();
	const libbpf_print_fn_t before = libbpf_set_print(on_libbpf_print);
	// The same copy (a plugin linked into doctor's process with doctor's
	// library) already prints as doctor asked.
	if (before == on_libbpf_print)
		return before;
	log.verbose = false;
	log.forward = before;
	return before;
}

std::string libbpf_log_tail(std::size_t max_lines)
{
	LibbpfLog &log = log_state();
	std::lock_guard guard(log.lock);
	std::string out;
	const std::size_t start = log.lines.size() > max_lines ? log.lines.size() - max_lines : 0;
	for (std::size_t i = start; i < log.lines.size(); ++i)
		out += (out.empty() ? "" : "\n") + log.lines[i];
	return out;
}

void clear_libbpf_log()
{
	LibbpfLog &log = log_state();
	std::lock_guard guard(log.lock);
	log.lines.clear();
	log.partial.clear();
}

void log_load_warning(std::string_view line)
{
	LibbpfLog &log = log_state();
	if (log.verbose)
		fmt::print(stderr, "{}\n", line);
	std::lock_guard guard(log.lock);
	log.lines.emplace_back(line);
	if (log.lines.size() > kept_log_lines)
		log.lines.pop_front();
}

std::string verifier_log_tail(std::size_t max_lines)
{
	LibbpfLog &log = log_state();
	std::lock_guard guard(log.lock);
	std::deque<std::string> inside;
	bool in_log = false;
	for (const auto &l : log.lines) {
		if (l.find("-- BEGIN PROG LOAD LOG --") != std::string::npos) {
			inside.clear();
			in_log = true;
		} else if (l.find("-- END PROG LOAD LOG --") != std::string::npos) {
			in_log = false;
		} else if (in_log && !l.empty()) {
			inside.push_back(l);
			if (inside.size() > max_lines)
				inside.pop_front();
		}
	}
	// One line, as every error is: the verifier's last words joined.
	std::string out;
	for (const auto &l : inside)
		out += (out.empty() ? "" : " | ") + l;
	return out;
}

} // namespace nettrace::bpf
