// SPDX-License-Identifier: MIT
// What a tracing command's run() and check() are built from, in one
// include: the command line and standard options, the start-up session,
// the kernel facts, the BPF skeleton and event loop, the standard checks.
// The start-up sequence is in startup_session.hpp.
#pragma once

#include <nettrace/common/bpf/event_loop.hpp>
#include <nettrace/common/bpf/skeleton.hpp>
#include <nettrace/common/cli/command_line.hpp>
#include <nettrace/common/cli/filter_options.hpp>
#include <nettrace/common/kernel/facts.hpp>
#include <nettrace/common/kernel/fixes.hpp>
#include <nettrace/common/preflight/checks.hpp>
#include <nettrace/common/tool/packet_filter.hpp>
#include <nettrace/common/tool/standard_options.hpp>
#include <nettrace/common/tool/startup_session.hpp>
#include <nettrace/plugin.hpp>
