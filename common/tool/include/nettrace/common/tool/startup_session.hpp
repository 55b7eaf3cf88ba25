// SPDX-License-Identifier: MIT
// The process-wide state a command changes while it starts, owned by one
// object that run() or check() holds, so that none of it is a side effect
// of some other call:
// - the heap policy (kernel/startup_heap.hpp): freed memory stays mapped
//   for BTF parsing until programs_loaded() or the session's end;
// - libbpf's printer, pointed at the kept log (bpf/libbpf_log.hpp) and put
//   back as it was when the session ends.
//
// The start-up sequence: parse options, StartupSession, begin_tracing(),
// KernelFacts::read() (frees BTF), open and load the programs,
// programs_loaded(), attach, print the ready line, read the kernel's
// symbols, run the event loop.
#pragma once

#include <nettrace/common/bpf/skeleton.hpp>
#include <nettrace/plugin.hpp>

#include <bpf/libbpf.h>

namespace nettrace {

class StartupSession {
public:
	// The heap policy begins: hold the session from run()'s or check()'s
	// first step, before KernelFacts::read().
	StartupSession();
	// Ends the heap policy if programs_loaded() did not, and puts back
	// libbpf's printer if begin_tracing() or begin_check() replaced it.
	~StartupSession();
	StartupSession(const StartupSession &) = delete;
	StartupSession &operator=(const StartupSession &) = delete;

	// A command's step before tracing: throws RuntimeError (exit 1)
	// without the privileges or kernel BTF tracing needs, then keeps
	// libbpf's messages for failures; `verbose` prints them as they come.
	void begin_tracing(bool verbose);
	// The same for a plugin's check, inside `nettrace doctor`: reports the
	// privileges and kernel BTF (preflight::environment) and returns false,
	// nothing else being worth trying, when either is missing; else keeps
	// libbpf's messages and passes them on to doctor's printer.
	[[nodiscard]] bool begin_check(sdk::CheckReport &report);

	// The programs are loaded: the memory kept for parsing BTF goes back
	// to the kernel now, before rings are mapped and symbols are read.
	void programs_loaded();
	// Loads `skel`, says so (above), and attaches it: the usual order.
	template <typename Skel>
	void load_and_attach(bpf::Skeleton<Skel> &skel)
	{
		skel.load();
		programs_loaded();
		skel.attach();
	}

private:
	void replaced_printer(libbpf_print_fn_t before);

	bool printer_replaced_ = false;
	libbpf_print_fn_t previous_printer_ = nullptr;
};

} // namespace nettrace
