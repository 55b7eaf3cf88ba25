// SPDX-License-Identifier: MIT
// Man pages as a user reads them: rendered by man(1) to plain text.
#pragma once

#include "process.hpp"

#include <string>
#include <vector>

namespace nettrace::test {

// The sections every nettrace page has, in this order.
const std::vector<std::string> &required_man_sections();

// The environment that makes man(1) and `nettrace CMD --help` print the
// page as plain text, 80 columns wide, without a pager.
std::vector<std::string> plain_man_environment();

// `man ARGS...` rendered as plain text.
ProcessResult render_man(const std::vector<std::string> &args);

// The section headings of a rendered page, in order ("NAME", "OPTIONS" ...).
std::vector<std::string> man_sections(const std::string &rendered);

// The text of one section of a rendered page, without its heading.
std::string man_section(const std::string &rendered, const std::string &heading);

// The option spellings (-4, --ipv4, --reason ...) in a Boost.Program_options
// summary, as `nettrace CMD -h` prints it.
std::vector<std::string> options_in_summary(const std::string &summary);

} // namespace nettrace::test
