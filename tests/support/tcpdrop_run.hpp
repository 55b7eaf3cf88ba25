// SPDX-License-Identifier: MIT
// nettrace tcpdrop as the tests run it.
#pragma once

#include "tracer_run.hpp"

#include <string>
#include <vector>

namespace nettrace::test {

// nettrace tcpdrop running in the background, attached when constructed.
// Text: the header is printed once attached. JSON: -v says so on stderr.
class TcpdropRun : public TracerRun {
public:
	TcpdropRun(std::vector<std::string> args, bool as_json = false, std::string out_file = {})
	    : TracerRun(command(std::move(args), as_json),
			as_json ? "nettrace tcpdrop: attached" : "TIME ", as_json, out_file)
	{
	}

private:
	static std::vector<std::string> command(std::vector<std::string> args, bool as_json)
	{
		args.insert(args.begin(), "tcpdrop");
		if (as_json)
			args.insert(args.end(), {"--json", "-v"});
		return args;
	}
};

} // namespace nettrace::test
