#include <nettrace/common/bpf_loader.hpp>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fmt/format.h>
#include <fstream>
#include <linux/capability.h>
#include <mutex>
#include <sys/syscall.h>
#include <unistd.h>

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

bool has_capability(const __user_cap_data_struct (&caps)[2], int cap)
{
	return caps[cap / 32].effective & (1u << (cap % 32));
}

// The verifier's own words: the lines between libbpf's BEGIN/END PROG LOAD
// LOG markers, last `max_lines` of them.
std::string verifier_tail(std::size_t max_lines)
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

} // namespace

void capture_libbpf_log(bool verbose)
{
	log_state().verbose = verbose;
	log_state().forward = nullptr;
	libbpf_set_print(on_libbpf_print);
}

void capture_libbpf_log_for_check()
{
	LibbpfLog &log = log_state();
	const libbpf_print_fn_t before = libbpf_set_print(on_libbpf_print);
	// The same copy (a plugin linked into doctor's process with doctor's
	// library) already prints as doctor asked.
	if (before == on_libbpf_print)
		return;
	log.verbose = false;
	log.forward = before;
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

std::string lockdown_mode()
{
	std::ifstream in("/sys/kernel/security/lockdown");
	std::string text;
	std::getline(in, text);
	const auto open = text.find('['), close = text.find(']');
	if (open == std::string::npos || close == std::string::npos)
		return {};
	return text.substr(open + 1, close - open - 1);
}

Privileges current_privileges()
{
	__user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct caps[2]{};
	Privileges p;
	p.uid = geteuid();
	if (syscall(SYS_capget, &header, caps) != 0) {
		p.unreadable = std::strerror(errno);
		return p;
	}
	constexpr int cap_sys_admin = 21, cap_perfmon = 38, cap_bpf = 39;
	// The initial namespace maps every uid onto itself.
	std::ifstream uid_map("/proc/self/uid_map");
	unsigned long inside = 0, outside = 0, count = 0;
	if (uid_map >> inside >> outside >> count)
		p.initial_user_namespace = inside == 0 && outside == 0 && count == 4294967295UL;
	p.cap_sys_admin = has_capability(caps, cap_sys_admin);
	p.cap_perfmon = has_capability(caps, cap_perfmon);
	p.cap_bpf = has_capability(caps, cap_bpf);
	return p;
}

std::string missing_privileges()
{
	const Privileges p = current_privileges();
	if (!p.unreadable.empty())
		return fmt::format("cannot read this process's capabilities: {}", p.unreadable);
	if (p.sufficient())
		return {};
	if (!p.initial_user_namespace)
		return "runs in a user namespace (a rootless container?), whose capabilities "
		       "do not reach BPF: run nettrace in the host's user namespace";
	std::string missing;
	if (!p.cap_bpf)
		missing += "CAP_BPF";
	if (!p.cap_perfmon)
		missing += missing.empty() ? "CAP_PERFMON" : " and CAP_PERFMON";
	return fmt::format("needs root, or CAP_BPF and CAP_PERFMON (running as uid {} "
			   "without {})",
			   p.uid, missing);
}

void require_bpf_environment()
{
	if (const std::string why = missing_privileges(); !why.empty())
		throw RuntimeError(why);
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		throw RuntimeError(
			"this kernel has no BTF (/sys/kernel/btf/vmlinux is missing): "
			"nettrace needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
}

void throw_bpf_error(std::string_view stage, std::string_view object, int err)
{
	const int code = err < 0 ? -err : err;
	const std::string what = fmt::format("{} BPF object '{}' failed ({})", stage, object,
					     std::strerror(code));
	if (code == EPERM || code == EACCES) {
		if (const std::string why = missing_privileges(); !why.empty())
			throw RuntimeError(fmt::format("{}: {}", what, why));
		if (const std::string mode = lockdown_mode(); mode == "confidentiality")
			throw RuntimeError(fmt::format(
				"{}: kernel lockdown is in confidentiality mode, which forbids "
				"reading kernel memory from BPF",
				what));
	}
	if (stage == "loading") {
		const std::string verifier = verifier_tail(6);
		if (!verifier.empty())
			throw RuntimeError(fmt::format("{}: the kernel's verifier rejected a "
						       "program: {}",
						       what, verifier));
	}
	const std::string last = libbpf_log_tail(1);
	throw RuntimeError(last.empty() ? what : fmt::format("{}: {}", what, last));
}

} // namespace nettrace::bpf
