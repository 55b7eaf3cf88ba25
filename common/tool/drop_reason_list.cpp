// SPDX-License-Identifier: MIT
#include <nettrace/common/tool/drop_reason_list.hpp>

#include <nettrace/common/output/append.hpp>
#include <nettrace/common/output/json_line.hpp>
#include <nettrace/common/output/writer.hpp>
#include <nettrace/errors.hpp>

#include <boost/program_options.hpp>

#include <algorithm>
#include <string>

namespace po = boost::program_options;

namespace nettrace {

namespace {

// The subsystem as the kernel's enum skb_drop_reason_subsys names it
// (without its SKB_DROP_REASON_SUBSYS_ prefix). Kernels before 6.6, and
// the tracefs source, name no subsystem: their reasons are all core ones.
std::string subsystem_of(const DropReasons &reasons, std::uint32_t code)
{
	const auto id = static_cast<std::uint16_t>(code >> DropReasons::subsystem_shift);
	const std::string_view name = reasons.subsystem_name(id);
	if (!name.empty())
		return std::string(name);
	return id == 0 ? "CORE" : fmt::format("UNKNOWN_SUBSYS_{}", id);
}

} // namespace

void add_list_reasons_option(po::options_description &options, bool &value)
{
	options.add_options()("list-reasons", po::bool_switch(&value),
			      "list the drop reasons this kernel names, and exit");
}

void print_drop_reasons(const DropReasons &reasons, bool json)
{
	if (reasons.empty())
		throw RuntimeError(fmt::format("cannot name drop reasons on this kernel: {}",
					       reasons.unavailable_reason()));
	const std::vector<DropReasons::Entry> entries = reasons.entries();
	OutputWriter out;
	fmt::memory_buffer &buf = out.buffer();
	if (json) {
		for (const DropReasons::Entry &e : entries) {
			nlohmann::ordered_json j;
			j["code"] = e.code;
			j["name"] = e.name;
			j["subsystem"] = subsystem_of(reasons, e.code);
			append_json_line(buf, j);
		}
	} else {
		size_t width = 4; // "NAME"
		for (const DropReasons::Entry &e : entries)
			width = std::max(width, e.name.size());
		append(buf, "{:<8}{:<{}}  {}\n", "CODE", "NAME", width, "SUBSYSTEM");
		for (const DropReasons::Entry &e : entries)
			append(buf, "{:<8}{:<{}}  {}\n", e.code, e.name, width,
			       subsystem_of(reasons, e.code));
	}
	out.finish();
}

} // namespace nettrace
