// SPDX-License-Identifier: MIT
// What the running kernel was built with: the facts that turn an attach
// errno into a likely cause.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace nettrace {

class KernelConfig {
public:
	// /proc/config.gz, else /boot/config-RELEASE; unreadable leaves it
	// empty, and every question unanswered.
	static KernelConfig read(const std::string &release);
	// The running kernel's, read on first use and kept: a failure's
	// explanation asks for it, at most once per process.
	static const KernelConfig &running();
	// A config's text, as if read from `source`.
	static KernelConfig from_text(std::string_view text, std::string source);

	bool readable() const { return !source_.empty(); }
	// Where it was read from, for messages.
	const std::string &source() const { return source_; }
	// "y", "m" or a value; "" when the config says "# ... is not set";
	// nothing when it does not name the option (one this kernel does not
	// have, such as CONFIG_FPROBE before 5.18) or cannot be read.
	std::optional<std::string> value(const std::string &option) const;
	// Whether the config says `option` "is not set".
	bool off(const std::string &option) const;

private:
	void parse(std::string_view text);

	std::string source_;
	std::map<std::string, std::string, std::less<>> options_;
};

} // namespace nettrace
