// SPDX-License-Identifier: MIT
// --list-reasons: the drop reasons the running kernel names, with their
// codes and subsystems, so that a user (and bash completion) can find the
// names --reason takes without reading tracefs by hand. It reads only the
// kernel facts: nothing is loaded or attached.
#pragma once

#include <nettrace/common/kernel/drop_reasons.hpp>

#include <boost/program_options/options_description.hpp>

namespace nettrace {

// Adds --list-reasons, setting `value`.
void add_list_reasons_option(boost::program_options::options_description &options, bool &value);

// Prints every reason `reasons` names, core ones first, each in code
// order: a CODE NAME SUBSYSTEM table, or with `json` one object per line
// ({"code":3,"name":"NO_SOCKET","subsystem":"CORE"}). Throws RuntimeError
// (exit 1) when the kernel names none, or the output cannot be written.
void print_drop_reasons(const DropReasons &reasons, bool json);

} // namespace nettrace
