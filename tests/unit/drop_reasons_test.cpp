// SPDX-License-Identifier: MIT
#include <kernel/drop_reasons/sources.hpp>
#include <nettrace/common/cli/text_match.hpp>
#include <nettrace/common/kernel/btf.hpp>
#include <nettrace/common/kernel/drop_reasons.hpp>

#include "process.hpp"
#include "requirements.hpp"

#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <sys/mount.h>
#include <unistd.h>

namespace nettrace {
namespace {

namespace fs = std::filesystem;

// Shaped like a 6.18 events/skb/kfree_skb/format, cut short.
constexpr std::string_view format_fixture =
	R"(name: kfree_skb
ID: 2310
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:void * skbaddr;	offset:8;	size:8;	signed:0;
	field:enum skb_drop_reason reason;	offset:36;	size:4;	signed:0;

print fmt: "skbaddr=%p rx_sk=%p protocol=%u location=%pS reason: %s", REC->skbaddr, REC->rx_sk, REC->protocol, REC->location, __print_symbolic(REC->reason, { 2, "NOT_SPECIFIED" }, { 3, "NO_SOCKET" }, { 4, "SOCKET_CLOSE" }, { 5, "SOCKET_FILTER" }, { 6, "SOCKET_RCVBUFF" }, { 12, "NETFILTER_DROP" }, { 13, "SKB_CSUM" }, { 0x2a, "TCP_INVALID_SEQUENCE" }, { 128, "MAX" })
)";

class TempDir {
public:
	TempDir()
	{
		std::string pattern = (fs::temp_directory_path() / "drop_reasons.XXXXXX").string();
		if (!mkdtemp(pattern.data()))
			throw std::runtime_error(std::strerror(errno));
		path_ = pattern;
	}
	~TempDir() { fs::remove_all(path_); }
	const fs::path &path() const { return path_; }

private:
	fs::path path_;
};

void write_file(const fs::path &path, std::string_view text)
{
	fs::create_directories(path.parent_path());
	std::ofstream(path, std::ios::binary) << text;
}

TEST(DropReasonsTracefsFixture, DecodesTheList)
{
	const auto reasons = drop_reasons::from_tracefs_format(format_fixture);
	EXPECT_EQ(reasons.source(), "tracefs");
	EXPECT_FALSE(reasons.empty());
	EXPECT_EQ(reasons.core_count(), 8u);
	EXPECT_EQ(reasons.name(2), "NOT_SPECIFIED");
	EXPECT_EQ(reasons.name(3), "NO_SOCKET");
	EXPECT_EQ(reasons.name(12), "NETFILTER_DROP");
	// Some reasons start with SKB_ themselves.
	EXPECT_EQ(reasons.name(13), "SKB_CSUM");
	EXPECT_EQ(reasons.name(42), "TCP_INVALID_SEQUENCE");
	EXPECT_EQ(reasons.subsystem_count(), 0u);
}

TEST(DropReasonsTracefsFixture, MaxIsABoundNotAReason)
{
	const auto reasons = drop_reasons::from_tracefs_format(format_fixture);
	EXPECT_EQ(reasons.name(128), "UNKNOWN_128");
	EXPECT_FALSE(reasons.code("MAX"));
}

TEST(DropReasonsTracefsFixture, UnknownCodesHaveStableNames)
{
	const auto reasons = drop_reasons::from_tracefs_format(format_fixture);
	const std::string_view first = reasons.name(200);
	EXPECT_EQ(first, "UNKNOWN_200");
	const std::string_view again = reasons.name(200);
	EXPECT_EQ(first.data(), again.data()) << "made again, not kept";
	// The format names no subsystem.
	EXPECT_EQ(reasons.name(2u << 16 | 1), "UNKNOWN_SUBSYS_2:0x0001");
	// Garbage codes cannot grow the kept names without bound.
	for (uint32_t code = 1000; code < 1000 + 5000; code++)
		EXPECT_FALSE(reasons.name(code).empty());
	EXPECT_EQ(reasons.name(7000), "UNKNOWN");
	EXPECT_EQ(reasons.name(200), "UNKNOWN_200");
}

TEST(DropReasonsTracefsFixture, CodeIsCaseInsensitive)
{
	const auto reasons = drop_reasons::from_tracefs_format(format_fixture);
	EXPECT_EQ(reasons.code("NO_SOCKET"), 3u);
	EXPECT_EQ(reasons.code("no_socket"), 3u);
	EXPECT_EQ(reasons.code(" No_Socket\n"), 3u);
	EXPECT_EQ(reasons.code("SKB_DROP_REASON_NO_SOCKET"), 3u);
	EXPECT_EQ(reasons.code("skb_drop_reason_netfilter_drop"), 12u);
	EXPECT_EQ(reasons.code("skb_csum"), 13u);
	EXPECT_EQ(reasons.code("SKB_DROP_REASON_SKB_CSUM"), 13u);
	EXPECT_FALSE(reasons.code("NO_SOKET"));
	EXPECT_FALSE(reasons.code(""));
}

TEST(DropReasonsTracefsFixture, NamesInCodeOrder)
{
	const auto reasons = drop_reasons::from_tracefs_format(format_fixture);
	const std::vector<std::string_view> expected = {
		"NOT_SPECIFIED",  "NO_SOCKET",      "SOCKET_CLOSE", "SOCKET_FILTER",
		"SOCKET_RCVBUFF", "NETFILTER_DROP", "SKB_CSUM",     "TCP_INVALID_SEQUENCE",
	};
	EXPECT_EQ(reasons.names(), expected);
}

TEST(DropReasonsTracefsFixture, ClosestSuggestsTypos)
{
	const auto reasons = drop_reasons::from_tracefs_format(format_fixture);
	const auto suggestions = reasons.closest("NO_SOKET");
	ASSERT_FALSE(suggestions.empty());
	EXPECT_EQ(suggestions.front(), "NO_SOCKET");
	EXPECT_LE(suggestions.size(), 3u);
	EXPECT_EQ(reasons.closest("socket_filtr").front(), "SOCKET_FILTER");
	EXPECT_EQ(reasons.closest("SKB_DROP_REASON_NETFILTER_DRP").front(), "NETFILTER_DROP");
	EXPECT_EQ(reasons.closest("SKB_CSUMM").front(), "SKB_CSUM");
	EXPECT_EQ(reasons.closest("SOCKET_CLOS", 1), std::vector<std::string_view>{"SOCKET_CLOSE"});
	EXPECT_TRUE(reasons.closest("QUANTUM_ENTANGLEMENT").empty());
	EXPECT_TRUE(reasons.closest("NO_SOKET", 0).empty());
}

// Reason names are long: four edits in TCP_INVALID_SEQUENCE still read as
// a typo of it, where an option or command name allows three at most.
TEST(DropReasonsTracefsFixture, ClosestForgivesMoreEditsInLongNames)
{
	const auto reasons = drop_reasons::from_tracefs_format(format_fixture);
	EXPECT_EQ(reasons.closest("TCP_INVLD_SEQNCE"),
		  std::vector<std::string_view>{"TCP_INVALID_SEQUENCE"});
	EXPECT_EQ(reasons.closest("SKB_DROP_REASON_TCP_INVLD_SEQNCE"),
		  std::vector<std::string_view>{"TCP_INVALID_SEQUENCE"});
	// The same word among option names is no typo.
	EXPECT_TRUE(closest_matches("TCP_INVLD_SEQNCE", {"TCP_INVALID_SEQUENCE"}).empty());
}

TEST(DropReasonsTracefsFixture, SymbolicEntriesAreSkipped)
{
	// Some kernels print enum names where TRACE_DEFINE_ENUM is missing.
	const auto reasons = drop_reasons::from_tracefs_format(
		"print fmt: \"reason: %s\", __print_symbolic(REC->reason, "
		"{ SKB_DROP_REASON_NOT_SPECIFIED, \"NOT_SPECIFIED\" }, "
		"{ 1, \"NO_SOCKET\" })");
	EXPECT_EQ(reasons.core_count(), 1u);
	EXPECT_EQ(reasons.name(1), "NO_SOCKET");
}

TEST(DropReasonsTracefsFixture, FormatWithoutReasonsThrows)
{
	// skb:kfree_skb before 5.17 had no reason field.
	EXPECT_THROW(drop_reasons::from_tracefs_format(
			     "print fmt: \"skbaddr=%p protocol=%u location=%p\", "
			     "REC->skbaddr, REC->protocol, REC->location"),
		     std::runtime_error);
	EXPECT_THROW(drop_reasons::from_tracefs_format(
			     "__print_symbolic(REC->reason, { x, \"A\" })"),
		     std::runtime_error);
}

// Builds a BTF directory the way /sys/kernel/btf looks: vmlinux (base) and
// one file of split BTF per module.
class SyntheticBtf {
public:
	SyntheticBtf() : base_(btf__new_empty()) {}
	~SyntheticBtf() { btf__free(base_); }

	btf *base() { return base_; }

	void add_enum(btf *object, const char *name,
		      const std::vector<std::pair<const char *, int64_t>> &values)
	{
		ASSERT_GT(btf__add_enum(object, name, 4), 0);
		for (const auto &[enumerator, value] : values)
			ASSERT_EQ(btf__add_enum_value(object, enumerator, value), 0);
	}

	static void write(const btf *object, const fs::path &path)
	{
		__u32 size = 0;
		const void *data = btf__raw_data(object, &size);
		ASSERT_NE(data, nullptr);
		write_file(path, std::string_view(static_cast<const char *>(data), size));
	}

private:
	btf *base_;
};

constexpr uint32_t ovs_subsystem = 2;

void build_synthetic_btf(const fs::path &dir)
{
	SyntheticBtf kernel;
	kernel.add_enum(kernel.base(), "skb_drop_reason",
			{
				{"SKB_NOT_DROPPED_YET", 0},
				{"SKB_CONSUMED", 1},
				{"SKB_DROP_REASON_NOT_SPECIFIED", 2},
				{"SKB_DROP_REASON_NO_SOCKET", 3},
				{"SKB_DROP_REASON_TCP_CSUM", 4},
				{"SKB_DROP_REASON_MAX", 5},
				{"SKB_DROP_REASON_SUBSYS_MASK", 0xffff0000},
			});
	kernel.add_enum(kernel.base(), "skb_drop_reason_subsys",
			{
				{"SKB_DROP_REASON_SUBSYS_CORE", 0},
				{"SKB_DROP_REASON_SUBSYS_MAC80211_UNUSABLE", 1},
				{"SKB_DROP_REASON_SUBSYS_OPENVSWITCH", 2},
				{"SKB_DROP_REASON_SUBSYS_NUM", 3},
			});
	// Enums whose values fall in subsystem ranges by accident: flags,
	// and ranges shaped like ip_defrag_users.
	kernel.add_enum(kernel.base(), "netdev_drop_flags_like",
			{
				{"FLAG_A", 1 << 16},
				{"FLAG_B", 2 << 16},
				{"FLAG_C", 4 << 16},
			});
	kernel.add_enum(kernel.base(), "defrag_drop_users_like",
			{
				{"DEFRAG_IN", 2},
				{"__DEFRAG_IN_END", (1 << 16) + 1},
				{"DEFRAG_OUT", (1 << 16) + 2},
				{"DEFRAG_OUT_AGAIN", (1 << 16) + 3},
				{"__DEFRAG_OUT_END", (2 << 16) + 1},
				{"DEFRAG_BRIDGE", (2 << 16) + 2},
				{"DEFRAG_BRIDGE_AGAIN", (2 << 16) + 3},
			});
	SyntheticBtf::write(kernel.base(), dir / "vmlinux");

	// The reasons of subsystem 2 under names that follow no other
	// convention than mentioning drops, seen in two modules built from
	// one header; and a flags enum.
	const std::vector<std::pair<const char *, int64_t>> vport = {
		{"__VPORT_BASE", ovs_subsystem << 16},
		{"VPORT_DROP_LAST_ACTION", (ovs_subsystem << 16) + 1},
		{"VPORT_DROP_ACTION_ERROR", (ovs_subsystem << 16) + 2},
		{"VPORT_DROP_EXPLICIT", (ovs_subsystem << 16) + 3},
		{"VPORT_DROP_MAX", (ovs_subsystem << 16) + 4},
	};
	for (const char *module_name : {"vport", "vport_helper"}) {
		btf *module = btf__new_empty_split(kernel.base());
		ASSERT_NE(module, nullptr);
		kernel.add_enum(module, "vport_verdicts", vport);
		kernel.add_enum(module, "vport_flags",
				{{"VPORT_F_X", 1 << 16}, {"VPORT_F_Y", 2 << 16}});
		SyntheticBtf::write(module, dir / module_name);
		btf__free(module);
	}

	// Subsystem 1 claimed by two different enums: neither can be trusted.
	// And one shaped right but with nothing about drops in its names.
	const std::vector<std::pair<const char *, std::vector<std::pair<const char *, int64_t>>>>
		claims = {
			{"claim_a_drop_reason",
			 {{"__A", 1 << 16}, {"A_ONE", (1 << 16) + 1}, {"A_TWO", (1 << 16) + 2}}},
			{"claim_b_drop_reason",
			 {{"__B", 1 << 16}, {"B_ONE", (1 << 16) + 1}, {"B_TWO", (1 << 16) + 2}}},
		};
	for (const auto &[enum_name, values] : claims) {
		btf *module = btf__new_empty_split(kernel.base());
		ASSERT_NE(module, nullptr);
		kernel.add_enum(module, enum_name, values);
		SyntheticBtf::write(module, dir / enum_name);
		btf__free(module);
	}
	btf *unrelated = btf__new_empty_split(kernel.base());
	ASSERT_NE(unrelated, nullptr);
	kernel.add_enum(unrelated, "widget_ids",
			{{"__WIDGET_BASE", 2 << 16},
			 {"WIDGET_ONE", (2 << 16) + 1},
			 {"WIDGET_TWO", (2 << 16) + 2}});
	SyntheticBtf::write(unrelated, dir / "widgets");
	btf__free(unrelated);

	write_file(dir / "broken", "not BTF at all");
}

TEST(DropReasonsBtfFixture, CoreReasons)
{
	TempDir dir;
	ASSERT_NO_FATAL_FAILURE(build_synthetic_btf(dir.path()));
	const auto reasons = drop_reasons::from_btf(dir.path().string());
	EXPECT_EQ(reasons.source(), "btf");
	EXPECT_EQ(reasons.core_count(), 5u);
	EXPECT_EQ(reasons.name(0), "NOT_DROPPED_YET");
	EXPECT_EQ(reasons.name(1), "CONSUMED");
	EXPECT_EQ(reasons.name(2), "NOT_SPECIFIED");
	EXPECT_EQ(reasons.name(3), "NO_SOCKET");
	EXPECT_EQ(reasons.name(5), "UNKNOWN_5") << "MAX is a bound";
	EXPECT_EQ(reasons.code("consumed"), 1u);
	EXPECT_EQ(reasons.code("SKB_CONSUMED"), 1u);
}

TEST(DropReasonsBtfFixture, Subsystems)
{
	TempDir dir;
	ASSERT_NO_FATAL_FAILURE(build_synthetic_btf(dir.path()));
	const auto reasons = drop_reasons::from_btf(dir.path().string());
	EXPECT_EQ(reasons.subsystem_count(), 3u);
	EXPECT_EQ(reasons.subsystem_name(0), "CORE");
	EXPECT_EQ(reasons.subsystem_name(1), "MAC80211_UNUSABLE");
	EXPECT_EQ(reasons.subsystem_name(2), "OPENVSWITCH");
	EXPECT_EQ(reasons.subsystem_name(3), "") << "NUM is a bound";
	EXPECT_EQ(reasons.subsystem_id("openvswitch"), 2u);
	EXPECT_EQ(reasons.subsystem_id("SKB_DROP_REASON_SUBSYS_CORE"), 0u);
	EXPECT_FALSE(reasons.subsystem_id("NUM"));
}

TEST(DropReasonsBtfFixture, SubsystemReasonsFromModuleBtf)
{
	TempDir dir;
	ASSERT_NO_FATAL_FAILURE(build_synthetic_btf(dir.path()));
	const auto reasons = drop_reasons::from_btf(dir.path().string());
	const uint32_t base = ovs_subsystem << 16;
	EXPECT_EQ(reasons.subsystem_reason_count(), 3u);
	EXPECT_EQ(reasons.name(base + 1), "VPORT_DROP_LAST_ACTION");
	EXPECT_EQ(reasons.name(base + 3), "VPORT_DROP_EXPLICIT");
	EXPECT_EQ(reasons.name(base), "OPENVSWITCH:0x0000") << "a placeholder";
	EXPECT_EQ(reasons.name(base + 4), "OPENVSWITCH:0x0004") << "a bound";
	EXPECT_EQ(reasons.code("vport_drop_explicit"), base + 3);
	const auto all = reasons.names();
	ASSERT_EQ(all.size(), 8u);
	EXPECT_EQ(all.back(), "VPORT_DROP_EXPLICIT");
}

TEST(DropReasonsBtfFixture, SubsystemWithoutItsModule)
{
	TempDir dir;
	ASSERT_NO_FATAL_FAILURE(build_synthetic_btf(dir.path()));
	const auto reasons = drop_reasons::from_btf(dir.path().string());
	// Flags and ranges that land in subsystem 1 and 2 by accident, and
	// two enums that disagree on subsystem 1, name nothing.
	EXPECT_EQ(reasons.name(1u << 16), "MAC80211_UNUSABLE:0x0000");
	EXPECT_EQ(reasons.name(1u << 16 | 1), "MAC80211_UNUSABLE:0x0001");
	EXPECT_EQ(reasons.name(1u << 16 | 2), "MAC80211_UNUSABLE:0x0002");
	EXPECT_EQ(reasons.name(1u << 16 | 3), "MAC80211_UNUSABLE:0x0003");
	EXPECT_EQ(reasons.name(9u << 16 | 1), "UNKNOWN_SUBSYS_9:0x0001");
}

TEST(DropReasonsBtfFixture, MissingBtfThrows)
{
	TempDir dir;
	EXPECT_THROW(drop_reasons::from_btf(dir.path().string()), std::runtime_error);
}

TEST(DropReasonsLoad, FallsBackToTracefs)
{
	TempDir dir;
	write_file(dir.path() / "second/events/skb/kfree_skb/format", format_fixture);
	const auto reasons = drop_reasons::load((dir.path() / "no-btf").string(),
						{(dir.path() / "first").string(),
						 (dir.path() / "second").string()});
	EXPECT_EQ(reasons.source(), "tracefs");
	EXPECT_EQ(reasons.origin(), (dir.path() / "second/events/skb/kfree_skb/format").string());
	EXPECT_EQ(reasons.name(3), "NO_SOCKET");
	EXPECT_TRUE(reasons.unavailable_reason().empty());
}

TEST(DropReasonsLoad, NothingAvailableSaysWhy)
{
	TempDir dir;
	const auto reasons = drop_reasons::load((dir.path() / "no-btf").string(),
						{(dir.path() / "no-tracefs").string()});
	EXPECT_TRUE(reasons.empty());
	EXPECT_EQ(reasons.source(), "");
	EXPECT_NE(reasons.unavailable_reason().find("no-btf/vmlinux"), std::string::npos)
		<< reasons.unavailable_reason();
	EXPECT_NE(reasons.unavailable_reason().find("tracefs"), std::string::npos)
		<< reasons.unavailable_reason();
	EXPECT_EQ(reasons.name(3), "UNKNOWN_3");
	EXPECT_FALSE(reasons.code("NO_SOCKET"));
}

// The running kernel. tracefs is the independent oracle: the kernel
// generates that list from the same enum at build time.

constexpr const char *tracing_dir = "/sys/kernel/tracing";

std::string kfree_skb_format_path()
{
	return std::string(tracing_dir) + "/events/skb/kfree_skb/format";
}

void ensure_tracefs_mounted()
{
	if (access(kfree_skb_format_path().c_str(), R_OK) == 0)
		return;
	if (mount("nodev", tracing_dir, "tracefs", 0, nullptr) != 0 && errno != EBUSY)
		FAIL() << "cannot mount tracefs at " << tracing_dir << ": " << std::strerror(errno);
	ASSERT_EQ(access(kfree_skb_format_path().c_str(), R_OK), 0)
		<< kfree_skb_format_path() << ": " << std::strerror(errno);
}

// code → name pairs of the reason list, read with a regex rather than the
// parser under test.
std::map<uint32_t, std::string> kernel_print_list()
{
	std::ifstream file(kfree_skb_format_path());
	std::stringstream text;
	text << file.rdbuf();
	const std::string format = text.str();
	const size_t start = format.find("__print_symbolic(REC->reason");
	std::map<uint32_t, std::string> list;
	if (start == std::string::npos)
		return list;
	const std::regex entry(R"re(\{\s*(\d+)\s*,\s*"([A-Za-z0-9_]+)"\s*\})re");
	const std::string tail = format.substr(start);
	for (std::sregex_iterator it(tail.begin(), tail.end(), entry), end; it != end; ++it)
		list.emplace(std::stoul((*it)[1]), (*it)[2]);
	return list;
}

// Kernels before 5.17 have no drop reasons: no enum skb_drop_reason, no
// reason in skb:kfree_skb. There is nothing of theirs to read.
#define REQUIRE_KERNEL_DROP_REASONS()                                                    \
	do {                                                                             \
		if (KernelBtf::available() &&                                            \
		    KernelBtf().tracepoint_arg_count("kfree_skb").value_or(0) < 3)       \
			GTEST_SKIP() << "kfree_skb passes no drop reason (before 5.17)"; \
	} while (0)

TEST(DropReasonsLive, BtfNamesMatchTheKernelsTraceFormat)
{
	REQUIRE_KERNEL_DROP_REASONS();
	NETTRACE_REQUIRE_BPF();
	ASSERT_NO_FATAL_FAILURE(ensure_tracefs_mounted());
	const auto list = kernel_print_list();
	ASSERT_GT(list.size(), 10u) << "no reason list in " << kfree_skb_format_path();
	const auto reasons = drop_reasons::from_btf();

	uint32_t max_code = 0;
	size_t compared = 0;
	for (const auto &[code, name] : list) {
		if (name == "MAX") {
			max_code = code;
			continue;
		}
		EXPECT_EQ(reasons.name(code), name) << "code " << code;
		compared++;
	}

	// The list holds the drop reasons; BTF also names the two states
	// that are not drops, and MAX bounds both.
	size_t states = 0;
	for (const char *state : {"NOT_DROPPED_YET", "CONSUMED"})
		states += reasons.code(state) ? 1 : 0;
	EXPECT_EQ(compared + states, reasons.core_count());
	if (max_code != 0) {
		EXPECT_EQ(reasons.name(max_code), "UNKNOWN_" + std::to_string(max_code));
		EXPECT_NE(reasons.name(max_code - 1).substr(0, 8), "UNKNOWN_");
	}
}

TEST(DropReasonsLive, TracefsFallbackAgreesWithBtf)
{
	REQUIRE_KERNEL_DROP_REASONS();
	NETTRACE_REQUIRE_BPF();
	ASSERT_NO_FATAL_FAILURE(ensure_tracefs_mounted());
	const auto from_btf = drop_reasons::from_btf();
	const auto from_tracefs = drop_reasons::from_tracefs();
	EXPECT_EQ(from_tracefs.source(), "tracefs");
	// BTF also names the states that are not drops, which the trace
	// event never prints (kernels that have them).
	size_t states = 0;
	for (const char *state : {"NOT_DROPPED_YET", "CONSUMED"}) {
		states += from_btf.code(state) ? 1 : 0;
		EXPECT_FALSE(from_tracefs.code(state)) << state;
	}
	EXPECT_EQ(from_tracefs.core_count() + states, from_btf.core_count());
	for (const std::string_view name : from_tracefs.names()) {
		const auto code = from_tracefs.code(name);
		ASSERT_TRUE(code);
		EXPECT_EQ(from_btf.name(*code), name);
	}
}

TEST(DropReasonsLive, LoadUsesBtf)
{
	REQUIRE_KERNEL_DROP_REASONS();
	NETTRACE_REQUIRE_BPF();
	const auto reasons = drop_reasons::load();
	EXPECT_EQ(reasons.source(), "btf") << reasons.unavailable_reason();
	EXPECT_EQ(reasons.origin(), "/sys/kernel/btf/vmlinux");
	const auto no_socket = reasons.code("NO_SOCKET");
	ASSERT_TRUE(no_socket);
	EXPECT_EQ(reasons.name(*no_socket), "NO_SOCKET");
	EXPECT_EQ(reasons.closest("NO_SOKET").front(), "NO_SOCKET");
}

TEST(DropReasonsLive, LoadFromParsedBtfNamesWhatItsOwnParseNames)
{
	REQUIRE_KERNEL_DROP_REASONS();
	NETTRACE_REQUIRE_BPF();
	const DropReasons own = drop_reasons::load();
	const KernelBtf kernel;
	ASSERT_NE(kernel.vmlinux(), nullptr);
	const DropReasons shared = drop_reasons::load(kernel.vmlinux());
	EXPECT_EQ(shared.source(), "btf") << shared.unavailable_reason();
	EXPECT_EQ(shared.origin(), own.origin());
	ASSERT_GT(own.names().size(), 50u);
	EXPECT_EQ(shared.names(), own.names());
	EXPECT_EQ(shared.subsystem_count(), own.subsystem_count());

	// Without BTF it falls back, as load() does.
	const DropReasons without = drop_reasons::load(static_cast<btf *>(nullptr));
	EXPECT_EQ(without.source(), "tracefs") << without.unavailable_reason();
	EXPECT_EQ(without.code("NO_SOCKET"), own.code("NO_SOCKET"));
}

TEST(DropReasonsLive, ARememberedTableNamesWhatTheBtfNames)
{
	REQUIRE_KERNEL_DROP_REASONS();
	// The second load(KernelBtf) in a process takes the table it
	// remembered (or the cache's): it must name every code, core and
	// subsystem, as the kernel's BTF does.
	NETTRACE_REQUIRE_BPF();
	const KernelBtf kernel;
	const DropReasons from_btf = drop_reasons::load(kernel.vmlinux());
	ASSERT_EQ(from_btf.source(), "btf") << from_btf.unavailable_reason();
	DropReasons::load(kernel);
	const DropReasons remembered = DropReasons::load(kernel);
	EXPECT_EQ(remembered.source(), from_btf.source());
	EXPECT_EQ(remembered.origin(), from_btf.origin());
	ASSERT_GT(from_btf.names().size(), 50u);
	EXPECT_EQ(remembered.names(), from_btf.names());
	EXPECT_EQ(remembered.core_count(), from_btf.core_count());
	EXPECT_EQ(remembered.subsystem_count(), from_btf.subsystem_count());
	EXPECT_EQ(remembered.subsystem_reason_count(), from_btf.subsystem_reason_count());
	for (uint16_t id = 0; id < 32; id++)
		EXPECT_EQ(remembered.subsystem_name(id), from_btf.subsystem_name(id)) << id;
}

TEST(DropReasonsLive, SubsystemEnum)
{
	REQUIRE_KERNEL_DROP_REASONS();
	NETTRACE_REQUIRE_BPF();
	const auto reasons = drop_reasons::from_btf();
	if (reasons.subsystem_count() == 0)
		GTEST_SKIP() << "no enum skb_drop_reason_subsys (before 6.6)";
	EXPECT_EQ(reasons.subsystem_name(0), "CORE");
	EXPECT_EQ(reasons.subsystem_id("CORE"), 0u);
	for (uint16_t id = 1; id < 256; id++) {
		const std::string_view subsystem = reasons.subsystem_name(id);
		if (subsystem.empty())
			continue;
		// Reason 1 of each subsystem: its name from module BTF, or
		// the subsystem and number, never a core reason's name.
		const std::string_view name = reasons.name(uint32_t{id} << 16 | 1);
		EXPECT_FALSE(reasons.code(name) && *reasons.code(name) < (1u << 16))
			<< subsystem << " reason 1 reads " << name;
		if (!reasons.code(name)) {
			EXPECT_EQ(name, std::string(subsystem) + ":0x0001");
		}
	}
}

TEST(DropReasonsLive, OpenvswitchReasonsEndToEnd)
{
	REQUIRE_KERNEL_DROP_REASONS();
	NETTRACE_REQUIRE_BPF();
	if (access("/sys/kernel/btf/openvswitch", R_OK) != 0) {
		try {
			test::run_process({"modprobe", "openvswitch"});
		} catch (const std::exception &) {
			// No modprobe: the check below says why.
		}
	}
	const auto reasons = drop_reasons::from_btf();
	const auto ovs = reasons.subsystem_id("OPENVSWITCH");
	if (!ovs)
		GTEST_SKIP() << "this kernel has no OPENVSWITCH drop subsystem";
	const std::string_view name = reasons.name(uint32_t{*ovs} << 16 | 1);
	if (name == "OPENVSWITCH:0x0001") {
		ASSERT_NE(access("/sys/kernel/btf/openvswitch", R_OK), 0)
			<< "openvswitch BTF is there but its reasons were not found";
		GTEST_SKIP() << "openvswitch is neither built in, loaded nor "
				"loadable here (no /sys/kernel/btf/openvswitch)";
	}
	EXPECT_EQ(name.substr(0, 9), "OVS_DROP_");
}

} // namespace
} // namespace nettrace
