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
	cpus_ = static_cast<std::size_t>(cpus);
	per_cpu_.resize(cpus_);
}

void CountReader::add_row(const exporter_key &key, const exporter_value *per_cpu)
{
	CountedRow row{key, 0, 0};
	for (std::size_t cpu = 0; cpu < cpus_; ++cpu) {
		row.packets += per_cpu[cpu].packets;
		row.bytes += per_cpu[cpu].bytes;
	}
	rows_.push_back(row);
}

bool CountReader::read_in_batches()
{
	// Rows asked for at once; a bucket holding more than that makes the
	// kernel answer ENOSPC, and the buffers grow.
	if (batch_keys_.empty()) {
		batch_keys_.resize(256);
		batch_values_.resize(batch_keys_.size() * cpus_);
	}
	std::uint32_t token = 0;
	bool first = true;
	for (;;) {
		auto count = static_cast<std::uint32_t>(batch_keys_.size());
		const int err = bpf_map_lookup_batch(fd_, first ? nullptr : &token, &token,
						     batch_keys_.data(), batch_values_.data(),
						     &count, nullptr);
		const int error = err ? errno : 0;
		if (err && error == ENOSPC && count == 0) {
			batch_keys_.resize(batch_keys_.size() * 2);
			batch_values_.resize(batch_keys_.size() * cpus_);
			continue;
		}
		if (err && error != ENOENT)
			return false;
		for (std::uint32_t i = 0; i < count; ++i)
			add_row(batch_keys_[i], &batch_values_[i * cpus_]);
		if (err) // ENOENT: that was the last bucket
			return true;
		first = false;
	}
}

const std::vector<CountedRow> &CountReader::read()
{
	rows_.clear();
	// One system call for many rows where the kernel has batch lookups
	// (5.6 on); a scrape of 10,000 rows otherwise makes 20,000 calls.
	if (batches_ && read_in_batches())
		return rows_;
	// Without them (or if a batch failed half way), the row-by-row walk,
	// from the start.
	batches_ = false;
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
		add_row(key, per_cpu_.data());
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
