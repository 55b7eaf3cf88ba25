// SPDX-License-Identifier: MIT
// Formatting into a reporter's buffer (OutputWriter::buffer()): fmt's
// format_to with the buffer's inserter spelled once, for every reporter.
#pragma once

#include <fmt/format.h>

#include <iterator>
#include <utility>

namespace nettrace {

// Appends `f` formatted with `args` to `out`; no allocation of its own.
template <typename... T>
void append(fmt::memory_buffer &out, fmt::format_string<T...> f, T &&...args)
{
	fmt::format_to(std::back_inserter(out), f, std::forward<T>(args)...);
}

} // namespace nettrace
