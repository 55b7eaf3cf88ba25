// SPDX-License-Identifier: MIT
#include <nettrace/common/kernel/config.hpp>

#include <zlib.h>

#include <fstream>
#include <sstream>

#include <sys/utsname.h>

namespace nettrace {

namespace {

std::string read_gzip(const char *path)
{
	gzFile file = gzopen(path, "rb");
	if (!file)
		return {};
	std::string text;
	char buf[65536];
	for (int n; (n = gzread(file, buf, sizeof(buf))) > 0;)
		text.append(buf, static_cast<std::size_t>(n));
	gzclose(file);
	return text;
}

std::string read_text(const std::string &path)
{
	std::ifstream in(path);
	if (!in)
		return {};
	std::ostringstream text;
	text << in.rdbuf();
	return text.str();
}

} // namespace

KernelConfig KernelConfig::read(const std::string &release, bool (*keep)(std::string_view))
{
	KernelConfig config;
	if (std::string text = read_gzip("/proc/config.gz"); !text.empty()) {
		config.source_ = "/proc/config.gz";
		config.parse(text, keep);
	} else if (text = read_text("/boot/config-" + release); !text.empty()) {
		config.source_ = "/boot/config-" + release;
		config.parse(text, keep);
	}
	return config;
}

const KernelConfig &KernelConfig::running()
{
	static const KernelConfig config = [] {
		utsname uts{};
		const auto tracing = [](std::string_view option) {
			for (std::string_view prefix :
			     {"CONFIG_BPF", "CONFIG_KPROBE", "CONFIG_FPROBE",
			      "CONFIG_DYNAMIC_FTRACE", "CONFIG_FTRACE", "CONFIG_FUNCTION_TRACER",
			      "CONFIG_DEBUG_INFO_BTF"})
				if (option.starts_with(prefix))
					return true;
			return false;
		};
		return uname(&uts) == 0 ? read(uts.release, tracing) : KernelConfig{};
	}();
	return config;
}

KernelConfig KernelConfig::from_text(std::string_view text, std::string source)
{
	KernelConfig config;
	config.source_ = std::move(source);
	config.parse(text);
	return config;
}

void KernelConfig::parse(std::string_view text, bool (*keep)(std::string_view option))
{
	std::istringstream lines{std::string(text)};
	const std::string not_set = " is not set";
	for (std::string line; std::getline(lines, line);) {
		if (line.rfind("# CONFIG_", 0) == 0 && line.size() > not_set.size() &&
		    line.compare(line.size() - not_set.size(), not_set.size(), not_set) == 0) {
			std::string option = line.substr(2, line.size() - 2 - not_set.size());
			if (!keep || keep(option))
				options_[std::move(option)] = "";
			continue;
		}
		if (line.rfind("CONFIG_", 0) != 0)
			continue;
		const auto eq = line.find('=');
		if (eq != std::string::npos &&
		    (!keep || keep(std::string_view(line).substr(0, eq))))
			options_[line.substr(0, eq)] = line.substr(eq + 1);
	}
}

std::optional<std::string> KernelConfig::value(const std::string &option) const
{
	const auto it = options_.find(option);
	if (it == options_.end())
		return std::nullopt;
	return it->second;
}

bool KernelConfig::off(const std::string &option) const
{
	const auto v = value(option);
	return v && v->empty();
}

} // namespace nettrace
