// SPDX-License-Identifier: MIT
// Reads the records of a BPF ring buffer map straight from its mapping.
//
// libbpf's reader tells the kernel after every record that it took it,
// writing the consumer position: a cache line every producing CPU must then
// fetch again on its next reservation, which in a drop storm costs the
// traced host more than writing the record. This reader tells it once per
// batch. It also maps the data pages once, not twice as libbpf does for
// records that wrap around the end (those are copied out instead), so the
// ring counts once in the tracer's resident memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <linux/bpf.h>
#include <vector>

namespace nettrace {

class RingReader {
public:
	// Maps ring buffer map `map_fd`. Throws RuntimeError.
	explicit RingReader(int map_fd);
	~RingReader();
	RingReader(const RingReader &) = delete;
	RingReader &operator=(const RingReader &) = delete;

	// Readable (EPOLLIN) when the BPF side wakes the reader.
	int fd() const { return map_fd_; }

	// Calls `handle(data, size)` for committed records in order, at most
	// `budget` of them, and returns how many it handled. Stops at a record
	// still being written, or after a handler returns false. A record is
	// taken before its handler runs: if the handler throws, the exception
	// passes on and that record is gone.
	template <typename Handler>
	std::size_t read(std::size_t budget, Handler &&handle)
	{
		Position position(*this);
		std::size_t handled = 0;
		const std::uint64_t produced = load_acquire(producer_pos_);
		while (handled < budget && position.value < produced) {
			const std::uint64_t at = position.value & mask_;
			const auto *header = reinterpret_cast<const std::uint32_t *>(data_ + at);
			const std::uint32_t length = load_acquire(header);
			if (length & BPF_RINGBUF_BUSY_BIT)
				break;
			const std::uint32_t size =
				length & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
			position.value += record_span(size);
			if (length & BPF_RINGBUF_DISCARD_BIT)
				continue;
			++handled;
			if (!handle(body(at, size), static_cast<std::size_t>(size)))
				break;
		}
		return handled;
	}

private:
	// The consumer position while reading, published once on the way out.
	struct Position {
		explicit Position(RingReader &r)
		    : reader(r), start(load_acquire(r.consumer_pos_)), value(start)
		{
		}
		// Unchanged, it is not written: a write costs the producers
		// the cache line even when the value is the same.
		~Position()
		{
			if (value != start)
				__atomic_store_n(reader.consumer_pos_, value, __ATOMIC_RELEASE);
		}
		RingReader &reader;
		const std::uint64_t start;
		std::uint64_t value;
	};

	template <typename T>
	static T load_acquire(const T *p)
	{
		return __atomic_load_n(p, __ATOMIC_ACQUIRE);
	}
	// A record of `size` bytes with its header, as the kernel aligns it.
	static std::uint64_t record_span(std::uint32_t size)
	{
		return (std::uint64_t{size} + BPF_RINGBUF_HDR_SZ + 7) & ~std::uint64_t{7};
	}
	// The record body at ring offset `at`, copied out if it wraps.
	const void *body(std::uint64_t at, std::uint32_t size);

	int map_fd_;
	std::size_t page_size_;
	std::uint64_t mask_ = 0;
	std::uint64_t *consumer_pos_ = nullptr;
	const std::uint64_t *producer_pos_ = nullptr;
	const unsigned char *data_ = nullptr;
	std::size_t data_mapping_size_ = 0;
	std::vector<unsigned char> wrapped_;
};

} // namespace nettrace
