// SPDX-License-Identifier: MIT
#include "reason_list_check.hpp"

#include "process.hpp"
#include "tracer_run.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <sstream>

namespace nettrace::test {

std::optional<std::uint32_t> tracefs_reason_code(const std::string &name)
{
	for (const char *root : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
		std::ifstream in(std::string(root) + "/events/skb/kfree_skb/format");
		if (!in)
			continue;
		std::stringstream text;
		text << in.rdbuf();
		// print fmt: ... __print_symbolic(REC->reason, { 2, "NOT_SPECIFIED" }, ...
		const std::regex entry("\\{ *(0x[0-9a-fA-F]+|[0-9]+), *\"" + name + "\" *\\}");
		std::smatch m;
		const std::string format = text.str();
		if (std::regex_search(format, m, entry))
			return static_cast<std::uint32_t>(std::stoul(m[1], nullptr, 0));
		return std::nullopt;
	}
	return std::nullopt;
}

void expect_reasons_listed(const std::string &tool, std::uint32_t no_socket_code)
{
	// No kernel cache: the names come from the kernel itself each time.
	const std::vector<std::string> env = {"NETTRACE_CACHE_DIR="};
	const std::vector<std::string> nobody = {"setpriv",         "--reuid=65534",
						 "--regid=65534",   "--clear-groups",
						 "--inh-caps=-all", "--bounding-set=-all"};
	for (const bool json : {false, true}) {
		std::vector<std::string> command = {nettrace_binary(), tool, "--list-reasons"};
		if (json)
			command.push_back("--json");
		const ProcessResult root = run_process(command, env);
		ASSERT_EQ(root.exit_code, 0) << tool << ": " << root.err;
		EXPECT_EQ(root.err, "") << tool;
		command.insert(command.begin(), nobody.begin(), nobody.end());
		const ProcessResult user = run_process(command, env);
		EXPECT_EQ(user.exit_code, 0) << tool << " without privileges: " << user.err;
		EXPECT_EQ(user.out, root.out) << tool << " without privileges";

		if (!json) {
			EXPECT_EQ(root.out.substr(0, root.out.find('\n')).rfind("CODE    NAME", 0),
				  0u)
				<< root.out.substr(0, 200);
			const std::regex row("(^|\n)" + std::to_string(no_socket_code) +
					     " +NO_SOCKET +CORE\n");
			EXPECT_TRUE(std::regex_search(root.out, row)) << root.out.substr(0, 400);
			continue;
		}
		int found = 0;
		for (const nlohmann::json &r : parse_json_lines(root.out)) {
			if (r["name"] != "NO_SOCKET")
				continue;
			++found;
			EXPECT_EQ(r["code"], no_socket_code) << r;
			EXPECT_EQ(r["subsystem"], "CORE") << r;
		}
		EXPECT_EQ(found, 1) << root.out.substr(0, 400);
	}
}

} // namespace nettrace::test
