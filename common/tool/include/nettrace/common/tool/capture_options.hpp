// SPDX-License-Identifier: MIT
// -w FILE and --snaplen BYTES, as every command that writes a pcapng
// capture takes them (common/output/capture_file.hpp writes it).
#pragma once

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include <cstdint>
#include <string>

namespace nettrace {

struct CaptureOptions {
	std::string file;          // -w; "-" is standard output
	std::uint64_t snaplen;     // --snaplen
	std::uint64_t max_snaplen; // what a record carries
	const char *what;          // "the dropped packets", "every sighting's packet"

	// The options, with `snaplen` as the default.
	void add_to(boost::program_options::options_description &desc);
	// Whether -w was given; throws UsageError for --snaplen without -w or
	// past max_snaplen.
	bool asked(const boost::program_options::variables_map &vm) const;
	// The capture is standard output, which then carries nothing else.
	bool on_stdout() const { return file == "-"; }
};

} // namespace nettrace
