// SPDX-License-Identifier: MIT
#include "manual.hpp"

#include "text.hpp"

#include <regex>

namespace nettrace::test {

namespace {

// A section heading of a rendered page: capitals from column 0.
bool is_heading(const std::string &line)
{
	static const std::regex heading("^[A-Z][A-Z ]*[A-Z]$");
	return std::regex_match(line, heading);
}

} // namespace

const std::vector<std::string> &required_man_sections()
{
	static const std::vector<std::string> sections = {
		"NAME",     "SYNOPSIS",    "DESCRIPTION", "OPTIONS", "OUTPUT",
		"EXAMPLES", "EXIT STATUS", "ENVIRONMENT", "FILES",   "SEE ALSO",
	};
	return sections;
}

std::vector<std::string> plain_man_environment()
{
	// No colours or hyphenation tricks: C.UTF-8 keeps '-' a plain minus.
	return {"MANPAGER=cat",         "PAGER=cat",     "MANWIDTH=80", "LC_ALL=C.UTF-8",
		"MAN_KEEP_FORMATTING=", "GROFF_NO_SGR=1"};
}

ProcessResult render_man(const std::vector<std::string> &args)
{
	std::vector<std::string> argv = {"man"};
	argv.insert(argv.end(), args.begin(), args.end());
	return run_process(argv, plain_man_environment());
}

std::vector<std::string> man_sections(const std::string &rendered)
{
	// Headings start at column 0 in capitals; the first and last lines
	// are the page's header and footer.
	const std::vector<std::string> lines = split_lines(rendered);
	std::vector<std::string> headings;
	for (std::size_t i = 1; i + 1 < lines.size(); ++i)
		if (is_heading(lines[i]))
			headings.push_back(lines[i]);
	return headings;
}

std::string man_section(const std::string &rendered, const std::string &heading)
{
	std::string body;
	bool inside = false;
	for (const std::string &line : split_lines(rendered)) {
		if (is_heading(line)) {
			inside = line == heading;
			continue;
		}
		if (inside)
			body += line + "\n";
	}
	return body;
}

std::vector<std::string> options_in_summary(const std::string &summary)
{
	// "  -4 [ --ipv4 ]      only IPv4" and "  --reason NAMES    only ...".
	static const std::regex option_line(R"(^  (-[^ ]+)(?: \[ (--[^ ]+) \])?)");
	std::vector<std::string> options;
	for (const std::string &line : split_lines(summary)) {
		std::smatch m;
		if (!std::regex_search(line, m, option_line))
			continue;
		options.push_back(m[1]);
		if (m[2].matched)
			options.push_back(m[2]);
	}
	return options;
}

} // namespace nettrace::test
