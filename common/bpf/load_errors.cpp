// SPDX-License-Identifier: MIT
#include <nettrace/common/bpf/libbpf_log.hpp>
#include <nettrace/common/bpf/load_errors.hpp>

#include <fmt/format.h>

#include <string>

namespace nettrace::bpf {

void throw_bpf_error(std::string_view stage, std::string_view object, int err,
		     std::optional<AttachKind> kind)
{
	const int code = err < 0 ? -err : err;
	const std::string what =
		fmt::format("{} BPF object '{}' failed ({})", stage, object, errno_text(code));
	const AttachFailure failure{stage == "opening"   ? AttachFailure::Stage::Open
				    : stage == "loading" ? AttachFailure::Stage::Load
							 : AttachFailure::Stage::Attach,
				    code,
				    libbpf_log_tail(1),
				    {}};
	// What any program fails for first (privileges, lockdown), then the
	// verifier's own words, then what only this kind of program fails for.
	if (const Cause cause = explain(failure); !cause.why.empty())
		throw RuntimeError(fmt::format("{}: {}", what, cause.why));
	if (failure.stage == AttachFailure::Stage::Load) {
		const std::string verifier = verifier_log_tail(6);
		if (!verifier.empty())
			throw RuntimeError(fmt::format("{}: the kernel's verifier rejected a "
						       "program: {}",
						       what, verifier));
	}
	if (kind)
		if (const Cause cause = explain(*kind, failure); !cause.why.empty())
			throw RuntimeError(fmt::format("{}: {}{}", what, cause.why,
						       cause.fix.empty() ? "" : "; " + cause.fix));
	const std::string &last = failure.libbpf_says;
	throw RuntimeError(last.empty() ? what : fmt::format("{}: {}", what, last));
}

} // namespace nettrace::bpf
