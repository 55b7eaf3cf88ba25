// SPDX-License-Identifier: MIT
// Many short names kept back to back in one string, each named by its
// offset and length: a table of thousands of names then costs one
// allocation instead of one per name, and a 32-bit reference instead of a
// pointer. Views into it stay valid only until the next store().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nettrace {

class StringArena {
public:
	struct Ref {
		uint32_t offset = 0;
		uint32_t length = 0; // 0: no name
	};

	std::string_view view(Ref ref) const noexcept
	{
		return std::string_view(text_.data() + ref.offset, ref.length);
	}
	Ref store(std::string_view name)
	{
		const Ref ref{static_cast<uint32_t>(text_.size()),
			      static_cast<uint32_t>(name.size())};
		text_.append(name);
		return ref;
	}

	// Everything stored so far: a name that is the tail of the last one
	// stored may point into it instead of being stored again.
	std::string_view text() const noexcept { return text_; }
	void reserve(size_t bytes) { text_.reserve(bytes); }
	void clear() noexcept { text_.clear(); }

private:
	std::string text_;
};

} // namespace nettrace
