// SPDX-License-Identifier: MIT
#include "exporter_counts.hpp"

#include <nettrace/errors.hpp>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace nettrace::exporter {

CountReader::CountReader(int map_fd) : fd_(map_fd)
{
	const int cpus = libbpf_num_possible_cpus();
	if (cpus <= 0)
		throw RuntimeError("cannot tell the number of possible CPUs");
	per_cpu_.resize(static_cast<std::size_t>(cpus));
}

const std::vector<CountedRow> &CountReader::read()
{
	rows_.clear();
	exporter_key key{}, next{};
	const void *prev = nullptr;
	// A row added during the walk may be missed until the next scrape;
	// rows are deleted only by remove(), on this same thread between
	// walks, so the walk never starts over.
	while (bpf_map_get_next_key(fd_, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd_, &key, per_cpu_.data()) != 0)
			continue;
		CountedRow row{key, 0, 0};
		for (const exporter_value &v : per_cpu_) {
			row.packets += v.packets;
			row.bytes += v.bytes;
		}
		rows_.push_back(row);
	}
	return rows_;
}

std::uint64_t CountReader::remove(const std::vector<std::uint32_t> &netns)
{
	std::uint64_t removed = 0;
	const auto gone = [&netns](const CountedRow &row) {
		return std::find(netns.begin(), netns.end(), row.key.netns) != netns.end();
	};
	for (const CountedRow &row : rows_)
		if (gone(row) && bpf_map_delete_elem(fd_, &row.key) == 0)
			++removed;
	rows_.erase(std::remove_if(rows_.begin(), rows_.end(), gone), rows_.end());
	return removed;
}

} // namespace nettrace::exporter
