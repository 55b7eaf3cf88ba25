// SPDX-License-Identifier: MIT
#include "exporter_cgroup.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace nettrace::exporter {

namespace {

bool is_id(std::string_view s)
{
	return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
		       return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
	       });
}

// The id a systemd scope of a runtime names, as in "docker-<id>.scope".
std::string_view scope_id(std::string_view component)
{
	constexpr std::array<std::string_view, 4> prefixes = {"docker-", "cri-containerd-", "crio-",
							      "libpod-"};
	constexpr std::string_view suffix = ".scope";
	if (component.size() <= suffix.size() ||
	    component.substr(component.size() - suffix.size()) != suffix)
		return {};
	component.remove_suffix(suffix.size());
	for (const std::string_view prefix : prefixes)
		if (component.substr(0, prefix.size()) == prefix &&
		    is_id(component.substr(prefix.size())))
			return component.substr(prefix.size());
	return {};
}

// The id in one cgroup path, scanned from its innermost component out.
std::string_view id_in_path(std::string_view path)
{
	std::vector<std::string_view> components;
	for (std::size_t start = 0; start <= path.size();) {
		const std::size_t slash = std::min(path.find('/', start), path.size());
		if (slash > start)
			components.push_back(path.substr(start, slash - start));
		start = slash + 1;
	}
	for (std::size_t i = components.size(); i-- > 0;) {
		if (const std::string_view id = scope_id(components[i]); !id.empty())
			return id;
		if (!is_id(components[i]))
			continue;
		// cgroupfs driver: a bare id under "docker" or anywhere below
		// "kubepods" (/kubepods/burstable/pod<uid>/<id>).
		if (i > 0 && components[i - 1] == "docker")
			return components[i];
		for (std::size_t j = 0; j < i; ++j)
			if (components[j] == "kubepods" || components[j] == "kubepods.slice")
				return components[i];
	}
	return {};
}

} // namespace

std::string container_id_from_cgroup(std::string_view cgroup)
{
	// Lines are "hierarchy:controllers:path"; "0::path" is cgroup v2's.
	std::vector<std::string_view> paths;
	while (!cgroup.empty()) {
		const std::size_t nl = std::min(cgroup.find('\n'), cgroup.size());
		const std::string_view line = cgroup.substr(0, nl);
		cgroup.remove_prefix(std::min(nl + 1, cgroup.size()));
		const std::size_t first = line.find(':');
		const std::size_t second =
			first == std::string_view::npos ? first : line.find(':', first + 1);
		if (second == std::string_view::npos)
			continue;
		const std::string_view path = line.substr(second + 1);
		if (line.substr(0, second + 1) == "0::")
			paths.insert(paths.begin(), path);
		else
			paths.push_back(path);
	}
	for (const std::string_view path : paths)
		if (const std::string_view id = id_in_path(path); !id.empty())
			return std::string(id);
	return {};
}

} // namespace nettrace::exporter
