// SPDX-License-Identifier: MIT
#include <nettrace/common/output/json_line.hpp>

#include <string>

namespace nettrace {

void append_json_line(fmt::memory_buffer &out, const nlohmann::ordered_json &record)
{
	const std::string line =
		record.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
	out.append(line);
	out.push_back('\n');
}

} // namespace nettrace
