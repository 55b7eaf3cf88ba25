// SPDX-License-Identifier: MIT
#include <nettrace/common/tool/startup_session.hpp>

#include <nettrace/common/bpf/libbpf_log.hpp>
#include <nettrace/common/kernel/startup_heap.hpp>
#include <nettrace/common/preflight/checks.hpp>
#include <nettrace/common/preflight/privileges.hpp>

namespace nettrace {

StartupSession::StartupSession()
{
	begin_startup_heap();
}

StartupSession::~StartupSession()
{
	end_startup_heap();
	if (printer_replaced_)
		libbpf_set_print(previous_printer_);
}

void StartupSession::begin_tracing(bool verbose)
{
	preflight::require_bpf_environment();
	replaced_printer(bpf::capture_libbpf_log(verbose));
}

bool StartupSession::begin_check(sdk::CheckReport &report)
{
	if (!preflight::environment(report))
		return false;
	replaced_printer(bpf::capture_libbpf_log_for_check());
	return true;
}

void StartupSession::replaced_printer(libbpf_print_fn_t before)
{
	// The first printer replaced is the one to put back, however many
	// times the session begins.
	if (!printer_replaced_)
		previous_printer_ = before;
	printer_replaced_ = true;
}

void StartupSession::programs_loaded()
{
	end_startup_heap();
}

} // namespace nettrace
