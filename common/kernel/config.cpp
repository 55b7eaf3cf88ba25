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

KernelConfig KernelConfig::read(const std::string &release)
{
	KernelConfig config;
	if (std::string text = read_gzip("/proc/config.gz"); !text.empty()) {
		config.source_ = "/proc/config.gz";
		config.parse(text);
	} else if (text = read_text("/boot/config-" + release); !text.empty()) {
		config.source_ = "/boot/config-" + release;
		config.parse(text);
	}
	return config;
}

const KernelConfig &KernelConfig::running()
{
	static const KernelConfig config = [] {
		utsname uts{};
		return uname(&uts) == 0 ? read(uts.release) : KernelConfig{};
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

void KernelConfig::parse(std::string_view text)
{
	std::istringstream lines{std::string(text)};
	const std::string not_set = " is not set";
	for (std::string line; std::getline(lines, line);) {
		if (line.rfind("# CONFIG_", 0) == 0 && line.size() > not_set.size() &&
		    line.compare(line.size() - not_set.size(), not_set.size(), not_set) == 0) {
			options_[line.substr(2, line.size() - 2 - not_set.size())] = "";
			continue;
		}
		if (line.rfind("CONFIG_", 0) != 0)
			continue;
		const auto eq = line.find('=');
		if (eq != std::string::npos)
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
