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
	const libbpf_print_fn_t before = bpf::capture_libbpf_log(verbose);
	if (!printer_replaced_)
		previous_printer_ = before;
	printer_replaced_ = true;
}

bool StartupSession::begin_check(sdk::CheckReport &report)
{
	if (!preflight::environment(report))
		return false;
	const libbpf_print_fn_t before = bpf::capture_libbpf_log_for_check();
	if (!printer_replaced_)
		previous_printer_ = before;
	printer_replaced_ = true;
	return true;
}

void StartupSession::programs_loaded()
{
	end_startup_heap();
}

} // namespace nettrace
