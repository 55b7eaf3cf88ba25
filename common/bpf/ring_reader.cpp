// SPDX-License-Identifier: MIT
#include <nettrace/common/bpf/ring_reader.hpp>

#include <nettrace/errors.hpp>

#include <bpf/bpf.h>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

namespace nettrace {

namespace {

[[noreturn]] void fail(const char *what)
{
	throw RuntimeError(
		fmt::format("cannot open the ring buffer: {}: {}", what, std::strerror(errno)));
}

} // namespace

RingReader::RingReader(int map_fd)
    : map_fd_(map_fd), page_size_(static_cast<std::size_t>(sysconf(_SC_PAGESIZE)))
{
	bpf_map_info info{};
	__u32 info_size = sizeof(info);
	if (bpf_obj_get_info_by_fd(map_fd, &info, &info_size))
		fail("map info");
	if (info.type != BPF_MAP_TYPE_RINGBUF) {
		errno = EINVAL;
		fail("not a ring buffer map");
	}
	mask_ = info.max_entries - 1;

	// The kernel's layout: the consumer page (the one writable page),
	// then the producer page, then the data.
	void *consumer = mmap(nullptr, page_size_, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (consumer == MAP_FAILED)
		fail("mmap");
	consumer_pos_ = static_cast<std::uint64_t *>(consumer);
	data_mapping_size_ = page_size_ + info.max_entries;
	void *producer = mmap(nullptr, data_mapping_size_, PROT_READ, MAP_SHARED, map_fd,
			      static_cast<off_t>(page_size_));
	if (producer == MAP_FAILED) {
		const int error = errno;
		munmap(consumer, page_size_);
		errno = error;
		fail("mmap");
	}
	producer_pos_ = static_cast<const std::uint64_t *>(producer);
	data_ = static_cast<const unsigned char *>(producer) + page_size_;
}

RingReader::~RingReader()
{
	munmap(const_cast<std::uint64_t *>(producer_pos_), data_mapping_size_);
	munmap(consumer_pos_, page_size_);
}

const void *RingReader::body(std::uint64_t at, std::uint32_t size)
{
	const std::uint64_t start = (at + BPF_RINGBUF_HDR_SZ) & mask_;
	const std::uint64_t ring_size = mask_ + 1;
	if (start + size <= ring_size)
		return data_ + start;
	// Wraps past the end of the single mapping: join the two parts. The
	// buffer only grows, to the largest record that ever wrapped.
	if (wrapped_.size() < size)
		wrapped_.resize(size);
	const std::size_t first = static_cast<std::size_t>(ring_size - start);
	std::memcpy(wrapped_.data(), data_ + start, first);
	std::memcpy(wrapped_.data() + first, data_, size - first);
	return wrapped_.data();
}

} // namespace nettrace
