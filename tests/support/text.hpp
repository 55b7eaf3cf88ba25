// SPDX-License-Identifier: MIT
// Reading what a program printed: lines, and the lines that hold a string.
#pragma once

#include <cstddef>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace nettrace::test {

inline std::vector<std::string> split_lines(const std::string &text)
{
	std::vector<std::string> out;
	std::istringstream in(text);
	for (std::string l; std::getline(in, l);)
		out.push_back(l);
	return out;
}

inline std::size_t count_lines_containing(const std::string &text, const std::string &needle)
{
	std::size_t n = 0;
	for (const auto &l : split_lines(text))
		n += l.find(needle) != std::string::npos;
	return n;
}

// The whole file; empty if it cannot be read.
inline std::string read_text_file(const std::string &path)
{
	std::ifstream in(path);
	return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace nettrace::test
