// SPDX-License-Identifier: MIT
// The Debian packages cpack makes from this build: they install with dpkg,
// declare what they need, work from /usr, and leave nothing behind.
#include "manual.hpp"
#include "process.hpp"
#include "requirements.hpp"
#include "text.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace nettrace::test;

namespace {

const char *const packages[] = {"nettrace", "nettrace-dev"};

bool package_installed(const std::string &name)
{
	const ProcessResult r = run_process({"dpkg-query", "-W", "-f=${Status}", name});
	return r.exit_code == 0 && r.out.find("install ok installed") != std::string::npos;
}

std::string package_field(const std::string &name, const std::string &field)
{
	return run_process({"dpkg-query", "-W", "-f=${" + field + "}", name}).out;
}

// The packages built into a scratch folder, and removed from the system
// and the disk at the end whatever happened.
class DebianPackages : public testing::Test {
protected:
	void SetUp() override
	{
		if (geteuid() != 0)
			NETTRACE_SKIP_OR_FAIL("installing packages needs root");
		for (const char *p : packages)
			if (package_installed(p))
				NETTRACE_SKIP_OR_FAIL(std::string("package ") + p +
						      " is already installed; remove it first");
		char tmpl[] = "/tmp/nettrace-deb-XXXXXX";
		dir_ = mkdtemp(tmpl);
	}
	void TearDown() override
	{
		for (const char *p : packages)
			if (package_installed(p))
				run_process({"dpkg", "--purge", p});
		if (!dir_.empty())
			fs::remove_all(dir_);
	}
	fs::path deb(const std::string &name) const
	{
		return dir_ / (name + "_" NETTRACE_TEST_VERSION "_" + architecture() + ".deb");
	}
	static std::string architecture()
	{
		std::string arch = run_process({"dpkg", "--print-architecture"}).out;
		return arch.substr(0, arch.find('\n'));
	}
	fs::path dir_;
};

} // namespace

TEST_F(DebianPackages, InstallWorkFromUsrAndRemoveEveryFile)
{
	const ProcessResult built =
		run_process({"cpack", "-G", "DEB", "--config",
			     NETTRACE_BINARY_DIR "/CPackConfig.cmake", "-B", dir_.string()});
	ASSERT_EQ(built.exit_code, 0) << built.out << built.err;
	for (const char *p : packages)
		ASSERT_TRUE(fs::exists(deb(p))) << deb(p) << "\n" << built.out;

	const ProcessResult installed =
		run_process({"dpkg", "-i", deb("nettrace").string(), deb("nettrace-dev").string()},
			    {"DEBIAN_FRONTEND=noninteractive"});
	ASSERT_EQ(installed.exit_code, 0) << installed.out << installed.err;

	// dpkg-shlibdeps found the libraries the binaries link.
	const std::string depends = package_field("nettrace", "Depends");
	for (const char *lib : {"libbpf1", "libboost-program-options", "libfmt", "libc6"})
		EXPECT_NE(depends.find(lib), std::string::npos) << depends;

	const ProcessResult list =
		run_process({"/usr/bin/nettrace", "--list"}, {"NETTRACE_PLUGIN_PATH="});
	ASSERT_EQ(list.exit_code, 0) << list.err;
	EXPECT_EQ(count_lines_containing(list.out, "/usr/lib/nettrace/plugins/tcpdrop.so"), 1u)
		<< list.out;
	EXPECT_EQ(count_lines_containing(list.out, "/usr/lib/nettrace/plugins/skbstat.so"), 1u)
		<< list.out;
	EXPECT_EQ(count_lines_containing(list.out, "/usr/lib/nettrace/plugins/doctor.so"), 1u)
		<< list.out;

	const ProcessResult page = render_man({"nettrace-tcpdrop"});
	ASSERT_EQ(page.exit_code, 0) << page.err;
	EXPECT_EQ(man_sections(page.out), required_man_sections());
	EXPECT_TRUE(fs::exists("/usr/lib/cmake/nettrace/nettraceConfig.cmake"));
	// The exporter's unit, where systemd looks, naming the binary installed.
	const fs::path unit = "/lib/systemd/system/nettrace-exporter.service";
	ASSERT_TRUE(fs::exists(unit));
	const ProcessResult verified = run_process({"systemd-analyze", "verify", unit.string()});
	EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;

	std::vector<fs::path> files;
	for (const char *p : packages)
		for (const std::string &line : split_lines(run_process({"dpkg", "-L", p}).out))
			if (fs::is_regular_file(line))
				files.push_back(line);
	EXPECT_GE(files.size(), 30u);

	const ProcessResult removed = run_process({"dpkg", "-r", "nettrace-dev", "nettrace"});
	ASSERT_EQ(removed.exit_code, 0) << removed.out << removed.err;
	for (const fs::path &f : files)
		EXPECT_FALSE(fs::exists(f)) << f << " left behind";
	EXPECT_FALSE(fs::exists("/usr/lib/nettrace"));
}
