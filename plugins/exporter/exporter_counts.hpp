// SPDX-License-Identifier: MIT
// Reading the counting map: every row, its per-CPU values added up; and
// deleting the rows of namespaces that are gone.
#pragma once

#include "exporter.h"

#include <cstdint>
#include <vector>

namespace nettrace::exporter {

struct CountedRow {
	exporter_key key;
	std::uint64_t packets = 0;
	std::uint64_t bytes = 0;
};

class CountReader {
public:
	// `map_fd`: a BPF_MAP_TYPE_PERCPU_HASH of exporter_key -> exporter_value.
	explicit CountReader(int map_fd);
	// Every row now in the map. Until remove() deletes it, a row read
	// once is read again, with values at least as large. The buffer is
	// reused between calls.
	const std::vector<CountedRow> &read();
	// Deletes the rows of the namespaces `netns` from the map and from
	// what read() last gave; returns how many were deleted.
	std::uint64_t remove(const std::vector<std::uint32_t> &netns);

private:
	// False when the kernel cannot look rows up in batches.
	bool read_in_batches();
	void add_row(const exporter_key &key, const exporter_value *per_cpu);

	int fd_;
	std::size_t cpus_ = 0;
	bool batches_ = true; // until the kernel says it has none
	std::vector<exporter_value> per_cpu_;
	std::vector<exporter_key> batch_keys_;
	std::vector<exporter_value> batch_values_;
	std::vector<CountedRow> rows_;
};

} // namespace nettrace::exporter
