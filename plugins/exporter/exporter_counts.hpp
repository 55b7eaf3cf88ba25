// SPDX-License-Identifier: MIT
// Reading the counting map: every row, its per-CPU values added up.
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
	// Every row now in the map. Rows are never deleted, so a row read
	// once is read again, with values at least as large. The buffer is
	// reused between calls.
	const std::vector<CountedRow> &read();

private:
	int fd_;
	std::vector<exporter_value> per_cpu_;
	std::vector<CountedRow> rows_;
};

} // namespace nettrace::exporter
