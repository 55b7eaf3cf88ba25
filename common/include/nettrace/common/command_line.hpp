// SPDX-License-Identifier: MIT
// A plugin's command line, parsed with Boost.Program_options the same way
// in every plugin: any mistake becomes a UsageError (one line, exit 2).
#pragma once

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

namespace nettrace {

// Parses argv[1..] against `options`. Arguments that are not options are an
// error: no plugin takes positional arguments it would silently ignore.
boost::program_options::variables_map
parse_command_line(int argc, char **argv,
		   const boost::program_options::options_description &options);

} // namespace nettrace
