// SPDX-License-Identifier: MIT
#include <nettrace/common/bpf/libbpf_log.hpp>
#include <nettrace/common/bpf/load_errors.hpp>
#include <nettrace/common/preflight/privileges.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace nettrace::bpf {

void throw_bpf_error(std::string_view stage, std::string_view object, int err)
{
	const int code = err < 0 ? -err : err;
	const std::string what = fmt::format("{} BPF object '{}' failed ({})", stage, object,
					     std::strerror(code));
	if (code == EPERM || code == EACCES) {
		if (const std::string why = preflight::missing_privileges(); !why.empty())
			throw RuntimeError(fmt::format("{}: {}", what, why));
		if (const std::string mode = preflight::lockdown_mode(); mode == "confidentiality")
			throw RuntimeError(fmt::format(
				"{}: kernel lockdown is in confidentiality mode, which forbids "
				"reading kernel memory from BPF",
				what));
	}
	if (stage == "loading") {
		const std::string verifier = verifier_log_tail(6);
		if (!verifier.empty())
			throw RuntimeError(fmt::format("{}: the kernel's verifier rejected a "
						       "program: {}",
						       what, verifier));
	}
	const std::string last = libbpf_log_tail(1);
	throw RuntimeError(last.empty() ? what : fmt::format("{}: {}", what, last));
}

} // namespace nettrace::bpf
