// SPDX-License-Identifier: MIT
// A DropReasons table kept in the kernel cache, so that a start on a known
// kernel parses no BTF; and DropReasons::load(), which uses it.
#include "cache.hpp"
#include "builder.hpp"
#include "sources.hpp"

#include <nettrace/common/kernel/btf.hpp>
#include <nettrace/common/kernel/cache.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

namespace nettrace {

namespace drop_reasons {

std::string module_btf_list(const std::string &btf_dir)
{
	std::string list;
	for (const std::string &module : module_btf_files(btf_dir)) {
		struct stat file {};
		if (stat((btf_dir + "/" + module).c_str(), &file) == 0)
			list += fmt::format("{}{}:{}", list.empty() ? "" : " ", module,
					    file.st_size);
	}
	return list;
}

// Changing what is written here, or how it is read back, requires bumping
// cache_format in kernel/cache.cpp: a cache written by another version
// must be thrown away, not misread.
std::string to_cache(const DropReasons &table, const std::string &modules)
{
	nlohmann::json subsystems = nlohmann::json::array(), reasons = nlohmann::json::array();
	DropReasonsBuilder::visit(
		table,
		[&](uint16_t id, std::string_view name) {
			subsystems.push_back({id, name});
		},
		[&](uint32_t code, std::string_view name) {
			reasons.push_back({code, name});
		});
	return nlohmann::json{{"modules", modules},
			      {"source", table.source()},
			      {"origin", table.origin()},
			      {"subsystems", subsystems},
			      {"reasons", reasons}}
		.dump();
}

std::optional<DropReasons> from_cache(std::string_view text, const std::string &modules)
{
	const nlohmann::json saved = nlohmann::json::parse(text, nullptr, false);
	try {
		if (!saved.is_object() || saved.at("modules") != modules)
			return std::nullopt;
		DropReasonsBuilder table(saved.at("source").get<std::string>(),
					 saved.at("origin").get<std::string>());
		for (const nlohmann::json &s : saved.at("subsystems"))
			table.add_subsystem(s.at(0).get<uint16_t>(), s.at(1).get<std::string>());
		for (const nlohmann::json &r : saved.at("reasons"))
			table.add_reason(r.at(0).get<uint32_t>(), r.at(1).get<std::string>());
		if (table.table().empty())
			return std::nullopt;
		return table.take();
	} catch (const nlohmann::json::exception &) {
		return std::nullopt; // written by another version: read the BTF
	}
}

} // namespace drop_reasons

DropReasons DropReasons::load(const KernelBtf &kernel)
{
	const std::string modules = drop_reasons::module_btf_list(drop_reasons::default_btf_dir);
	if (const std::optional<std::string> text = KernelCache::recall(drop_reasons::cache_key))
		if (std::optional<DropReasons> table = drop_reasons::from_cache(*text, modules))
			return std::move(*table);
	DropReasons table = drop_reasons::load(kernel.vmlinux());
	if (!table.empty())
		KernelCache::remember(drop_reasons::cache_key,
				      drop_reasons::to_cache(table, modules));
	return table;
}

} // namespace nettrace
