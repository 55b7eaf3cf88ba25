// SPDX-License-Identifier: MIT
// nettrace skbtrace as the tests run it, and its records grouped by the
// packet they follow.
#pragma once

#include "tracer_run.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nettrace::test {

// nettrace skbtrace in the background; ready once it says what attached.
class SkbtraceRun : public TracerRun {
public:
	explicit SkbtraceRun(std::vector<std::string> args)
	    : TracerRun(command(std::move(args)), "nettrace skbtrace: attached", true)
	{
	}

private:
	static std::vector<std::string> command(std::vector<std::string> args)
	{
		args.insert(args.begin(), "skbtrace");
		return args;
	}
};

// --json records by packet id, in the order printed.
inline std::map<std::uint64_t, std::vector<nlohmann::json>>
records_by_packet(const std::vector<nlohmann::json> &records)
{
	std::map<std::uint64_t, std::vector<nlohmann::json>> packets;
	for (const nlohmann::json &r : records)
		if (r.contains("packet"))
			packets[r["packet"].get<std::uint64_t>()].push_back(r);
	return packets;
}

} // namespace nettrace::test
