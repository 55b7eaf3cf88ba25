// SPDX-License-Identifier: MIT
// deploy/kubernetes/nettrace-exporter-daemonset.yaml, as far as it can be
// checked without a cluster: it parses, its parts refer to each other
// (selector and labels, mounts and volumes, probe and port, scrape
// annotations), and its container's command runs for real with the
// manifest's arguments, environment and capabilities.
#include "deployed_command.hpp"
#include "requirements.hpp"
#include "tracer_run.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <sys/stat.h>

namespace fs = std::filesystem;
using namespace nettrace::test;

namespace {

const std::string manifest =
	NETTRACE_SOURCE_DIR "/deploy/kubernetes/nettrace-exporter-daemonset.yaml";

YAML::Node daemonset()
{
	for (const YAML::Node &doc : YAML::LoadAllFromFile(manifest))
		if (doc["kind"] && doc["kind"].as<std::string>() == "DaemonSet")
			return doc;
	return {};
}

YAML::Node container()
{
	return daemonset()["spec"]["template"]["spec"]["containers"][0];
}

std::vector<std::string> strings(const YAML::Node &list)
{
	std::vector<std::string> out;
	for (const YAML::Node &n : list)
		out.push_back(n.as<std::string>());
	return out;
}

// The port of the container's --listen value.
std::string listen_port(const std::vector<std::string> &args)
{
	for (std::size_t i = 0; i + 1 < args.size(); ++i)
		if (args[i] == "--listen")
			return args[i + 1].substr(args[i + 1].rfind(':') + 1);
	return {};
}

TEST(DeployDaemonSet, PartsReferToEachOther)
{
	const YAML::Node ds = daemonset();
	ASSERT_TRUE(ds) << "no DaemonSet in " << manifest;
	EXPECT_EQ(ds["apiVersion"].as<std::string>(), "apps/v1");
	const YAML::Node pod = ds["spec"]["template"];
	for (const auto &kv : ds["spec"]["selector"]["matchLabels"])
		EXPECT_EQ(pod["metadata"]["labels"][kv.first.as<std::string>()].as<std::string>(),
			  kv.second.as<std::string>());
	// The node's namespace: its devices are named from it.
	EXPECT_TRUE(pod["spec"]["hostNetwork"].as<bool>());

	const YAML::Node c = container();
	ASSERT_TRUE(c);
	EXPECT_EQ(strings(c["command"]), (std::vector<std::string>{"nettrace", "exporter"}));
	const std::string port = listen_port(strings(c["args"]));
	ASSERT_FALSE(port.empty()) << "no --listen in the container's args";
	EXPECT_EQ(c["ports"][0]["containerPort"].as<std::string>(), port);
	const std::string port_name = c["ports"][0]["name"].as<std::string>();
	for (const char *probe : {"readinessProbe", "livenessProbe"}) {
		EXPECT_EQ(c[probe]["httpGet"]["path"].as<std::string>(), "/metrics") << probe;
		EXPECT_EQ(c[probe]["httpGet"]["port"].as<std::string>(), port_name) << probe;
	}
	const YAML::Node annotations = pod["metadata"]["annotations"];
	EXPECT_EQ(annotations["prometheus.io/scrape"].as<std::string>(), "true");
	EXPECT_EQ(annotations["prometheus.io/port"].as<std::string>(), port);
	EXPECT_EQ(annotations["prometheus.io/path"].as<std::string>(), "/metrics");

	const YAML::Node security = c["securityContext"];
	EXPECT_FALSE(security["privileged"].as<bool>());
	EXPECT_FALSE(security["allowPrivilegeEscalation"].as<bool>());
	EXPECT_EQ(strings(security["capabilities"]["drop"]), std::vector<std::string>{"ALL"});
	EXPECT_TRUE(c["resources"]["limits"]["memory"]);

	// Every mount has its volume, and what the exporter reads is there.
	std::map<std::string, YAML::Node> volumes;
	for (const YAML::Node &v : pod["spec"]["volumes"])
		volumes[v["name"].as<std::string>()] = v;
	std::map<std::string, YAML::Node> mounts;
	for (const YAML::Node &m : c["volumeMounts"]) {
		const std::string name = m["name"].as<std::string>();
		EXPECT_TRUE(volumes.count(name)) << "mount of no volume: " << name;
		mounts[m["mountPath"].as<std::string>()] = m;
	}
	for (const char *path : {"/sys/kernel/btf", "/sys/kernel/tracing", "/run/netns"}) {
		ASSERT_TRUE(mounts.count(path)) << path;
		EXPECT_EQ(volumes[mounts[path]["name"].as<std::string>()]["hostPath"]["path"]
				  .as<std::string>(),
			  path);
	}
	// Pods started after the exporter must be seen too.
	EXPECT_EQ(mounts["/run/netns"]["mountPropagation"].as<std::string>(), "HostToContainer");
}

TEST(DeployDaemonSet, CommandCountsAndNamesWithTheManifestsCapabilities)
{
	NETTRACE_REQUIRE_BPF();
	const YAML::Node c = container();
	ASSERT_TRUE(c);
	DeployedCommand command;
	const std::vector<std::string> cmd = strings(c["command"]);
	ASSERT_EQ(cmd.at(0), "nettrace");
	command.args.assign(cmd.begin() + 1, cmd.end());
	for (const std::string &a : strings(c["args"]))
		command.args.push_back(a);

	// Paths on an emptyDir volume move into a folder of the test's own,
	// as open as an emptyDir is (0777).
	std::map<std::string, std::string> empty_dirs;
	std::vector<std::unique_ptr<TempDir>> folders;
	const YAML::Node pod = daemonset()["spec"]["template"]["spec"];
	for (const YAML::Node &m : c["volumeMounts"])
		for (const YAML::Node &v : pod["volumes"])
			if (v["name"].as<std::string>() == m["name"].as<std::string>() &&
			    v["emptyDir"]) {
				folders.push_back(std::make_unique<TempDir>());
				ASSERT_EQ(chmod(folders.back()->path.c_str(), 0777), 0);
				empty_dirs[m["mountPath"].as<std::string>()] = folders.back()->path;
			}
	// The root file system is read-only: the cache must be on a volume.
	ASSERT_TRUE(c["securityContext"]["readOnlyRootFilesystem"].as<bool>());
	std::string cache_dir;
	for (const YAML::Node &e : c["env"]) {
		std::string value = e["value"].as<std::string>();
		bool on_volume = false;
		for (const auto &[mount, folder] : empty_dirs)
			if (value.rfind(mount + "/", 0) == 0) {
				value = folder + value.substr(mount.size());
				on_volume = true;
			}
		if (e["name"].as<std::string>() == "NETTRACE_CACHE_DIR") {
			EXPECT_TRUE(on_volume) << value << " is on no emptyDir volume";
			cache_dir = value;
		}
		command.env.push_back(e["name"].as<std::string>() + "=" + value);
	}
	ASSERT_FALSE(cache_dir.empty()) << "the container's env sets no NETTRACE_CACHE_DIR";
	for (std::string cap : strings(c["securityContext"]["capabilities"]["add"])) {
		std::transform(cap.begin(), cap.end(), cap.begin(),
			       [](unsigned char ch) { return std::tolower(ch); });
		command.capabilities.push_back(cap);
	}

	const DeployedRun run = run_deployed(command);
	ASSERT_TRUE(run.ready) << run.err;
	ASSERT_FALSE(run.drops.empty()) << run.err;
	for (const Sample &s : run.drops) {
		EXPECT_EQ(s.labels.at("interface"), "lo");
		const std::string &location = s.labels.at("location");
		EXPECT_TRUE(!location.empty() && location.rfind("0x", 0) != 0) << location;
	}
	EXPECT_EQ(run.err.find("kernel cache"), std::string::npos) << run.err;
	EXPECT_TRUE(fs::exists(cache_dir) && !fs::is_empty(cache_dir)) << run.err;
	expect_counts_without_sys_admin(command);
}

} // namespace
