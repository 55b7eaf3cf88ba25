// SPDX-License-Identifier: MIT
// The small BTF nettrace makes for each BPF object (core_btf.hpp) must
// relocate every program exactly as the kernel's whole vmlinux BTF does:
// one missing or different type would move a field read or turn a
// program's branch dead.
#include "requirements.hpp"
#include "tracer_run.hpp"

#include <nettrace/common/bpf/skeleton.hpp>
#include <nettrace/common/kernel/btf.hpp>

#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

using namespace nettrace;
namespace fs = std::filesystem;

namespace {

// Every BPF object the build made: plugins, examples and test probes.
std::vector<fs::path> built_objects()
{
	std::vector<fs::path> found;
	for (const char *dir : {"plugins", "examples", "tests"}) {
		const fs::path root = fs::path(NETTRACE_TEST_BINARY_DIR) / dir;
		if (!fs::exists(root))
			continue;
		for (const auto &entry : fs::recursive_directory_iterator(root))
			if (entry.path().filename().string().ends_with(".bpf.o"))
				found.push_back(entry.path());
	}
	std::sort(found.begin(), found.end());
	return found;
}

std::string file_bytes(const fs::path &path)
{
	std::ifstream in(path, std::ios::binary);
	std::ostringstream bytes;
	bytes << in.rdbuf();
	return std::move(bytes).str();
}

// Each program's instructions once libbpf has relocated them against
// `btf_path`, with map descriptors (which differ between loads) zeroed;
// and what loading returned. Relocation comes before any program is
// loaded, so a program this kernel refuses is compared too.
struct Relocated {
	int load_result = 0;
	std::map<std::string, std::vector<bpf_insn>> programs;
};

Relocated relocate(const fs::path &object, const std::string &btf_path)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = btf_path.c_str());
	bpf_object *obj = bpf_object__open_file(object.c_str(), &opts);
	Relocated out;
	if (!obj) {
		out.load_result = -errno;
		return out;
	}
	out.load_result = bpf_object__load(obj);
	bpf_program *prog;
	bpf_object__for_each_program(prog, obj)
	{
		const bpf_insn *insns = bpf_program__insns(prog);
		std::vector<bpf_insn> copy(insns, insns + bpf_program__insn_cnt(prog));
		for (size_t i = 0; i + 1 < copy.size(); i++) {
			if (copy[i].code == (BPF_LD | BPF_IMM | BPF_DW) && copy[i].src_reg != 0) {
				copy[i].imm = 0;
				copy[++i].imm = 0;
			}
		}
		out.programs[bpf_program__name(prog)] = std::move(copy);
	}
	bpf_object__close(obj);
	return out;
}

bool same(const std::vector<bpf_insn> &a, const std::vector<bpf_insn> &b)
{
	return a.size() == b.size() &&
	       std::memcmp(a.data(), b.data(), a.size() * sizeof(bpf_insn)) == 0;
}

} // namespace

class CoreBtfTest : public ::testing::Test {
protected:
	static void SetUpTestSuite()
	{
		// The cache is decided once per process: set before first use.
		cache_ = new test::TempDir;
		cache_dir_ = cache_->path;
		setenv("NETTRACE_CACHE_DIR", cache_dir_.c_str(), 1);
	}
	static void TearDownTestSuite() { delete cache_; }
	void SetUp() override
	{
		NETTRACE_REQUIRE_BPF();
		bpf::capture_libbpf_log(false);
	}
	static inline test::TempDir *cache_ = nullptr;
	static inline std::string cache_dir_;
};

TEST_F(CoreBtfTest, EveryObjectRelocatesAgainstItsCoreBtfAsAgainstVmlinux)
{
	const std::vector<fs::path> objects = built_objects();
	std::vector<std::string> names;
	for (const fs::path &o : objects)
		names.push_back(o.filename());
	for (const char *expected : {"tcpdrop.bpf.o", "tcpdrop_tp.bpf.o", "skbstat_tp.bpf.o",
				     "skbstat_fentry.bpf.o", "skbstat_kprobe.bpf.o"})
		ASSERT_NE(std::find(names.begin(), names.end(), expected), names.end())
			<< expected << " not built under " << NETTRACE_TEST_BINARY_DIR;

	const uintmax_t vmlinux_size = fs::file_size(KernelBtf::vmlinux_path);
	for (const fs::path &object : objects) {
		SCOPED_TRACE(object.string());
		const std::string elf = file_bytes(object);
		// As a skeleton opens it: the file lands in the cache.
		const std::string core = bpf::prepare_to_open(object.stem().string(), elf);
		bpf::finish_loading();
		ASSERT_FALSE(core.empty());
		ASSERT_EQ(core.rfind(cache_dir_, 0), 0u) << core;
		EXPECT_LT(fs::file_size(core) * 20, vmlinux_size)
			<< "not much smaller than vmlinux";

		const Relocated small = relocate(object, core);
		const Relocated whole = relocate(object, KernelBtf::vmlinux_path);
		EXPECT_EQ(small.load_result, whole.load_result);
		ASSERT_FALSE(whole.programs.empty());
		ASSERT_EQ(small.programs.size(), whole.programs.size());
		for (const auto &[name, insns] : whole.programs) {
			ASSERT_TRUE(small.programs.count(name)) << name;
			EXPECT_TRUE(same(small.programs.at(name), insns))
				<< name << " relocates differently against " << core;
		}
	}
}

TEST_F(CoreBtfTest, AnObjectsCoreBtfIsKeptRemadeWhenDamagedAndReplacesOlderBuilds)
{
	const std::vector<fs::path> objects = built_objects();
	ASSERT_FALSE(objects.empty());
	// The largest object reads the most kernel types: its core BTF cannot
	// be mistaken for an empty one (doctor's reads none).
	const fs::path object =
		*std::max_element(objects.begin(), objects.end(),
				  [](const fs::path &a, const fs::path &b) {
					  return fs::file_size(a) < fs::file_size(b);
				  });
	const std::string elf = file_bytes(object);
	const std::string first = bpf::prepare_to_open("cached_once", elf);
	bpf::finish_loading();
	ASSERT_FALSE(first.empty());
	const auto written = fs::last_write_time(first);
	const std::string again = bpf::prepare_to_open("cached_once", elf);
	bpf::finish_loading();
	EXPECT_EQ(again, first);
	EXPECT_EQ(fs::last_write_time(again), written);

	// A byte changed on disk leaves the header whole: the checksum kept
	// with the answers catches it, and the file is made again as it was.
	const std::string made = file_bytes(first);
	std::string changed = made;
	changed[changed.size() / 2] = static_cast<char>(~changed[changed.size() / 2]);
	std::ofstream(first, std::ios::binary | std::ios::trunc) << changed;
	EXPECT_EQ(bpf::prepare_to_open("cached_once", elf), first);
	bpf::finish_loading();
	EXPECT_TRUE(file_bytes(first) == made) << first << " was not made again";

	// A damaged file is made again, not handed to libbpf; making it
	// removes what another build of the same object left.
	const fs::path other_build =
		fs::path(first).parent_path() / "core-cached_once-0000000000000000.btf";
	std::ofstream(other_build) << "an older build's";
	std::ofstream(first, std::ios::trunc) << "not BTF";
	const std::string remade = bpf::prepare_to_open("cached_once", elf);
	bpf::finish_loading();
	ASSERT_EQ(remade, first);
	EXPECT_GT(fs::file_size(remade), 1000u);
	EXPECT_FALSE(fs::exists(other_build));
}
