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
	// With `keep`, only the options it accepts.
	static KernelConfig read(const std::string &release,
				 bool (*keep)(std::string_view option) = nullptr);
	// The running kernel's tracing options (BPF, kprobes, fprobe, ftrace,
	// BTF), read on first use and kept: a failure's explanation asks for
	// them, at most once per process. Only those: the whole config is some
	// 10k options, about 1 MB kept for the rest of a run.
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
	// Keeps the options `keep` accepts; every one without it.
	void parse(std::string_view text, bool (*keep)(std::string_view option) = nullptr);

	std::string source_;
	std::map<std::string, std::string, std::less<>> options_;
};

} // namespace nettrace
