// SPDX-License-Identifier: MIT
// deploy/prometheus: promtool accepts the scrape config, with its
// commented kubernetes_sd job switched on too (but for the discovery
// block, which Debian's promtool does not know), and the rules, and the
// rules do what tests/deploy/nettrace-rules.test.yml says they do.
#include "process.hpp"
#include "requirements.hpp"
#include "text.hpp"
#include "tracer_run.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace nettrace::test;

namespace {

const std::string deploy_dir = NETTRACE_SOURCE_DIR "/deploy/prometheus";

std::string read_file(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream s;
	s << in.rdbuf();
	return s.str();
}

// The scrape config and the rules it names, in a folder of the test's.
struct ConfigFolder {
	ConfigFolder()
	{
		for (const char *f : {"nettrace-scrape.yml", "nettrace-rules.yml"})
			fs::copy_file(deploy_dir + "/" + f, dir.path + "/" + f);
		fs::copy_file(NETTRACE_SOURCE_DIR "/tests/deploy/nettrace-rules.test.yml",
			      dir.path + "/nettrace-rules.test.yml");
	}
	std::string path(const char *file) const { return dir.path + "/" + file; }
	TempDir dir;
};

void require_promtool()
{
	if (run_process({"sh", "-c", "command -v promtool"}).exit_code != 0)
		NETTRACE_SKIP_OR_FAIL("promtool is not installed "
				      "(Debian package prometheus; scripts/bootstrap installs it)");
}

// The config with the commented job from `marker` on uncommented: the
// lines that start with two spaces and "# ".
std::string uncommented_from(const std::string &text, const std::string &marker)
{
	std::string out;
	bool on = false;
	for (const std::string &line : split_lines(text)) {
		on = on || line.find(marker) != std::string::npos;
		out += on && line.rfind("  # ", 0) == 0 ? "  " + line.substr(4) : line;
		out += '\n';
	}
	return out;
}

TEST(DeployPrometheus, PromtoolAcceptsTheScrapeConfig)
{
	require_promtool();
	ConfigFolder folder;
	const ProcessResult r =
		run_process({"promtool", "check", "config", folder.path("nettrace-scrape.yml")});
	EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
	// It found the rules file it names.
	EXPECT_NE((r.out + r.err).find("1 rule files found"), std::string::npos) << r.out << r.err;
}

// Debian builds Prometheus without Kubernetes discovery: its promtool
// refuses kubernetes_sd_configs. The block is swapped for a static
// target with a label discovery would give a pod, so that the rest of
// the job (its relabelling) is checked.
std::string without_kubernetes_discovery(const std::string &text)
{
	std::string out;
	bool in_block = false;
	for (const std::string &line : split_lines(text)) {
		if (line == "    kubernetes_sd_configs:") {
			in_block = true;
			out += "    static_configs:\n"
			       "      - targets: ['192.0.2.1:80']\n"
			       "        labels:\n"
			       "          __meta_kubernetes_pod_annotation_prometheus_io_port: "
			       "'9850'\n";
			continue;
		}
		if (in_block && line.rfind("      ", 0) == 0)
			continue;
		in_block = false;
		out += line + '\n';
	}
	return out;
}

TEST(DeployPrometheus, PromtoolAcceptsTheKubernetesJob)
{
	require_promtool();
	ConfigFolder folder;
	const std::string text = read_file(folder.path("nettrace-scrape.yml"));
	const std::string uncommented = uncommented_from(text, "# - job_name: nettrace-kubernetes");
	ASSERT_NE(uncommented, text) << "no commented kubernetes job found";
	const std::string k8s = without_kubernetes_discovery(uncommented);
	ASSERT_NE(k8s, uncommented) << "no kubernetes_sd_configs in the job";
	ASSERT_NE(k8s.find("relabel_configs:"), std::string::npos);
	std::ofstream(folder.path("k8s.yml")) << k8s;
	const ProcessResult r =
		run_process({"promtool", "check", "config", folder.path("k8s.yml")});
	EXPECT_EQ(r.exit_code, 0) << r.out << r.err << "\n" << k8s;
}

TEST(DeployPrometheus, RulesCheckAndPassTheirTests)
{
	require_promtool();
	ConfigFolder folder;
	const ProcessResult check =
		run_process({"promtool", "check", "rules", folder.path("nettrace-rules.yml")});
	EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
	const ProcessResult test =
		run_process({"promtool", "test", "rules", folder.path("nettrace-rules.test.yml")});
	EXPECT_EQ(test.exit_code, 0) << test.out << test.err;
	EXPECT_NE(test.out.find("SUCCESS"), std::string::npos) << test.out << test.err;
}

} // namespace
