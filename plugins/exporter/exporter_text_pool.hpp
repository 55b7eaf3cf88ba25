// SPDX-License-Identifier: MIT
// The buffer of a scrape's text, kept from one scrape to the next. Text
// of megabytes written into fresh memory costs a page fault every 4 KiB,
// and glibc gives blocks that large back to the kernel when they are
// freed (startup_heap.hpp): a third of a scrape's CPU time went to that.
// So the buffer of a text no connection holds any more comes back here,
// with its pages, for the next scrape to write into. One is kept: the
// peak stays that of the texts in use.
#pragma once

#include <memory>
#include <mutex>
#include <string>

namespace nettrace::exporter {

class TextPool : public std::enable_shared_from_this<TextPool> {
public:
	// An empty buffer, with the capacity of the one last given back.
	std::string take();
	// `text`, shared: its buffer comes back to this pool when its last
	// holder lets go of it, or is freed if the pool is gone by then.
	std::shared_ptr<const std::string> share(std::string text);

private:
	void give_back(std::string text);

	std::mutex mutex_; // a connection may let go of its text on another thread
	std::string spare_;
};

} // namespace nettrace::exporter
