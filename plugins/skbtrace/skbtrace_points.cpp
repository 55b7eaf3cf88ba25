// SPDX-License-Identifier: MIT
#include "skbtrace_points.hpp"
#include "skbtrace_attach.hpp"

#include <nettrace/common/output/json_line.hpp>
#include <nettrace/errors.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fnmatch.h>

namespace nettrace::skbtrace {

std::vector<std::string> parse_point_globs(std::string_view list)
{
	std::vector<std::string> globs;
	while (true) {
		const std::size_t comma = list.find(',');
		const std::string_view glob = list.substr(0, comma);
		if (glob.empty())
			throw UsageError("--points: an empty name in the list");
		globs.emplace_back(glob);
		if (comma == std::string_view::npos)
			return globs;
		list.remove_prefix(comma + 1);
	}
}

bool point_chosen(const std::vector<std::string> &globs, std::string_view name)
{
	if (globs.empty())
		return true;
	const std::string full(name);
	const std::size_t colon = full.find(':');
	for (const std::string &glob : globs) {
		if (fnmatch(glob.c_str(), full.c_str(), 0) == 0)
			return true;
		if (colon != std::string::npos &&
		    fnmatch(glob.c_str(), full.c_str() + colon + 1, 0) == 0)
			return true;
	}
	return false;
}

void check_point_globs(const KernelBtf &btf, const std::vector<std::string> &globs)
{
	const std::vector<SkbTaker> functions = functions_taking_skb(btf);
	for (const std::string &glob : globs) {
		const std::vector<std::string> one = {glob};
		bool named =
			point_chosen(one, "skb:kfree_skb") || point_chosen(one, "skb:consume_skb");
		for (const std::string &t : tracepoint_names())
			named = named || point_chosen(one, t);
		for (const SkbTaker &f : functions)
			named = named || point_chosen(one, f.name);
		if (!named)
			throw UsageError(fmt::format(
				"--points: '{}' names no tracepoint or function that takes a packet on "
				"this kernel (nettrace skbtrace --list-points shows them)",
				glob));
	}
}

FunctionChoice choose_functions(const KernelBtf &btf, const std::vector<std::string> &globs)
{
	FunctionChoice choice;
	const auto traceable = traceable_functions();
	for (const SkbTaker &f : functions_taking_skb(btf)) {
		const bool freeing = std::find(free_functions.begin(), free_functions.end(),
					       f.name) != free_functions.end();
		if (!freeing && !point_chosen(globs, f.name))
			continue;
		if (traceable && !traceable->count(f.name)) {
			choice.untraceable += !freeing;
			continue;
		}
		choice.by_argument[f.argument].push_back(f.name);
		++choice.count;
	}
	return choice;
}

void list_points(const KernelBtf &btf, bool json)
{
	const auto traceable = traceable_functions();
	fmt::memory_buffer out;
	const auto line = [&](const char *kind, const std::string &name, int argument,
			      const char *status) {
		if (json) {
			nlohmann::ordered_json j;
			j["kind"] = kind;
			j["name"] = name;
			j["argument"] = argument;
			j["status"] = status;
			append_json_line(out, j);
		} else {
			fmt::format_to(std::back_inserter(out), "{:<10} {:<48} {:<3} {}\n", kind,
				       name, argument, status);
		}
	};
	if (!json)
		fmt::format_to(std::back_inserter(out), "{:<10} {:<48} {:<3} {}\n", "KIND", "POINT",
			       "ARG", "STATUS");
	const std::vector<std::string> &ours = tracepoint_names();
	for (const SkbTaker &t : tracepoints_taking_skb(btf)) {
		const auto known =
			std::find_if(ours.begin(), ours.end(), [&](const std::string &n) {
				return n.substr(n.find(':') + 1) == t.name;
			});
		const bool end = t.name == "kfree_skb" || t.name == "consume_skb";
		line("tracepoint",
		     known != ours.end() ? *known
		     : end               ? "skb:" + t.name
					 : t.name,
		     t.argument,
		     end                   ? "followed (the end)"
		     : known != ours.end() ? "followed"
					   : "not followed (no program for it in this nettrace)");
	}
	for (const SkbTaker &f : functions_taking_skb(btf))
		line("function", f.name, f.argument,
		     !traceable || traceable->count(f.name)
			     ? "followed where functions attach"
			     : "not followed (not in available_filter_functions)");
	std::fwrite(out.data(), 1, out.size(), stdout);
}

} // namespace nettrace::skbtrace
