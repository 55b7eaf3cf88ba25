// SPDX-License-Identifier: MIT
// A DropReasons table as text for the kernel cache (KernelCache), and
// back. Not installed.
#pragma once

#include <nettrace/common/kernel/drop_reasons.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace nettrace::drop_reasons {

// The key the table is kept under in the kernel cache.
inline constexpr const char *cache_key = "drop_reasons";

// Each module BTF's name and size in `btf_dir`: reasons of modules loaded
// since the table was kept must not be missed, so the list is kept with it.
std::string module_btf_list(const std::string &btf_dir);

// The table as text, and back. Changing either form requires bumping
// cache_format (cache.cpp).
std::string to_cache(const DropReasons &table, const std::string &modules);
// Nothing when `text` was written with other module BTFs than `modules`,
// or cannot be read (written by another version).
std::optional<DropReasons> from_cache(std::string_view text, const std::string &modules);

} // namespace nettrace::drop_reasons
