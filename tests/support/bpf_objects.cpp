// SPDX-License-Identifier: MIT
#include "bpf_objects.hpp"

#include "process.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace nettrace::test {

namespace fs = std::filesystem;

namespace {

// The value of `key` ("map_id") in a fdinfo file; 0 when absent.
unsigned fdinfo_value(const fs::path &fdinfo, const std::string &key)
{
	std::ifstream in(fdinfo);
	for (std::string line; std::getline(in, line);)
		if (line.rfind(key + ":", 0) == 0)
			return static_cast<unsigned>(std::stoul(line.substr(key.size() + 1)));
	return 0;
}

std::set<unsigned> listed_ids(const char *kind)
{
	const ProcessResult r = run_process({"bpftool", "-j", kind, "show"});
	std::set<unsigned> ids;
	const nlohmann::json listed = nlohmann::json::parse(r.out, nullptr, false);
	if (r.exit_code != 0 || !listed.is_array())
		throw std::runtime_error(std::string("bpftool ") + kind + " show: " + r.err);
	for (const nlohmann::json &object : listed)
		ids.insert(object.at("id").get<unsigned>());
	return ids;
}

std::set<unsigned> common(const std::set<unsigned> &a, const std::set<unsigned> &b)
{
	std::set<unsigned> both;
	for (unsigned id : a)
		if (b.count(id))
			both.insert(id);
	return both;
}

} // namespace

BpfObjectIds bpf_objects_of(int pid)
{
	BpfObjectIds ids;
	const fs::path proc = "/proc/" + std::to_string(pid);
	std::error_code error;
	for (const auto &fd : fs::directory_iterator(proc / "fd", error)) {
		const std::string target = fs::read_symlink(fd.path(), error).string();
		const fs::path info = proc / "fdinfo" / fd.path().filename();
		if (target == "anon_inode:bpf_link") {
			ids.links.insert(fdinfo_value(info, "link_id"));
			ids.progs.insert(fdinfo_value(info, "prog_id"));
		} else if (target == "anon_inode:bpf-prog") {
			ids.progs.insert(fdinfo_value(info, "prog_id"));
		} else if (target == "anon_inode:bpf-map") {
			ids.maps.insert(fdinfo_value(info, "map_id"));
		}
	}
	for (auto *set : {&ids.links, &ids.progs, &ids.maps})
		set->erase(0);
	return ids;
}

BpfObjectIds bpf_objects_listed(const BpfObjectIds &ids)
{
	return {common(ids.links, listed_ids("link")), common(ids.progs, listed_ids("prog")),
		common(ids.maps, listed_ids("map"))};
}

BpfObjectIds bpf_objects_still_listed(const BpfObjectIds &ids)
{
	using namespace std::chrono_literals;
	const auto deadline = std::chrono::steady_clock::now() + 10s;
	for (;;) {
		const BpfObjectIds left = bpf_objects_listed(ids);
		if (left.empty() || std::chrono::steady_clock::now() > deadline)
			return left;
		std::this_thread::sleep_for(100ms);
	}
}

std::string describe(const BpfObjectIds &ids)
{
	std::string text;
	auto list = [&](const char *what, const std::set<unsigned> &set) {
		text += text.empty() ? "" : ", ";
		text += what;
		for (unsigned id : set)
			text += " " + std::to_string(id);
	};
	list("links", ids.links);
	list("progs", ids.progs);
	list("maps", ids.maps);
	return text;
}

std::vector<std::string> kprobe_events_of(int pid)
{
	std::vector<std::string> found;
	const std::string mark = "libbpf_" + std::to_string(pid) + "_";
	for (const char *root : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
		std::ifstream in(std::string(root) + "/kprobe_events");
		for (std::string line; std::getline(in, line);)
			if (line.find(mark) != std::string::npos)
				found.push_back(line);
	}
	return found;
}

std::vector<std::string> bpffs_files_named(const std::string &word)
{
	std::vector<std::string> found;
	std::error_code error;
	for (fs::recursive_directory_iterator it("/sys/fs/bpf", error), end; !error && it != end;
	     it.increment(error))
		if (it->path().filename().string().find(word) != std::string::npos)
			found.push_back(it->path().string());
	return found;
}

} // namespace nettrace::test
