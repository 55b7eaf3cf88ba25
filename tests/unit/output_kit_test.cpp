// SPDX-License-Identifier: MIT
// The output kit every reporter writes through: JSON lines and stacks.
#include <nettrace/common/kernel/live_symbols.hpp>
#include <nettrace/common/output/json_line.hpp>
#include <nettrace/common/output/stack_frames.hpp>
#include <nettrace/common/output/stack_printer.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

namespace nettrace {
namespace {

TEST(JsonLine, OneObjectPerLineAfterWhatTheBufferHolds)
{
	fmt::memory_buffer out;
	out.append(std::string_view("before\n"));
	nlohmann::ordered_json record;
	record["type"] = "drop";
	record["pid"] = 42;
	record["stack"] = nlohmann::ordered_json::array({"a", "b"});
	append_json_line(out, record);
	EXPECT_EQ(fmt::to_string(out),
		  "before\n{\"type\":\"drop\",\"pid\":42,\"stack\":[\"a\",\"b\"]}\n");
}

// Task names are bytes to the kernel: a record with invalid UTF-8 is still
// written, with U+FFFD for the bad byte, never thrown away.
TEST(JsonLine, InvalidUtf8IsReplacedNotThrown)
{
	fmt::memory_buffer out;
	nlohmann::ordered_json record;
	record["comm"] = std::string("a\xff"
				     "b");
	append_json_line(out, record);
	EXPECT_EQ(fmt::to_string(out), "{\"comm\":\"a\xef\xbf\xbd"
				       "b\"}\n");
}

struct SymbolFile {
	SymbolFile()
	{
		char name[] = "/tmp/nettrace-stack-printer-XXXXXX";
		const int fd = mkstemp(name);
		if (fd >= 0)
			close(fd);
		path = name;
		std::ofstream(path) << "ffffffff81000000 T _stext\n"
				       "ffffffff81000100 T kfree_skb_reason\n"
				       "ffffffff81000200 T tcp_v4_rcv\n"
				       "ffffffff81000300 T ip_local_deliver\n";
	}
	~SymbolFile() { unlink(path.c_str()); }
	std::string path;
};

class StackPrinterTest : public testing::Test {
protected:
	StackPrinterTest() : symbols("test", file.path, std::chrono::nanoseconds(0)), names(symbols)
	{
		symbols.load();
	}

	SymbolFile file;
	LiveKernelSymbols symbols;
	FrameNames names;
	// Innermost first: the tracing machinery, then the code that dropped.
	const __u64 stack[3] = {0xffffffff81000110, 0xffffffff81000210, 0xffffffff81000310};
};

TEST_F(StackPrinterTest, TextStartsAfterTheTracingFramesIndented)
{
	StackPrinter printer(names, "  ");
	fmt::memory_buffer out;
	printer.text(out, 0, stack, 3);
	EXPECT_EQ(fmt::to_string(out), "  tcp_v4_rcv+0x10\n  ip_local_deliver+0x10\n");
}

TEST_F(StackPrinterTest, TextStartsAtTheDropSiteWhenKnown)
{
	StackPrinter printer(names, "    ");
	fmt::memory_buffer out;
	printer.text(out, stack[2], stack, 3);
	EXPECT_EQ(fmt::to_string(out), "    ip_local_deliver+0x10\n");
}

TEST_F(StackPrinterTest, AStackPrintedAgainReadsTheSameAndAnotherReadsItsOwn)
{
	StackPrinter printer(names, "  ");
	// The same first frames, another caller at the bottom.
	const __u64 other[3] = {stack[0], stack[1], 0xffffffff81000020};
	for (int round = 0; round < 2; ++round) {
		fmt::memory_buffer out;
		printer.text(out, 0, stack, 3);
		printer.text(out, 0, other, 3);
		printer.text(out, stack[2], stack, 3);
		EXPECT_EQ(fmt::to_string(out), "  tcp_v4_rcv+0x10\n  ip_local_deliver+0x10\n"
					       "  tcp_v4_rcv+0x10\n  _stext+0x20\n"
					       "  ip_local_deliver+0x10\n")
			<< "round " << round;
	}
}

TEST_F(StackPrinterTest, AKeptStackIsWrittenAgainWhenTheSymbolsAreReadAgain)
{
	StackPrinter printer(names, "");
	fmt::memory_buffer before;
	printer.text(before, 0, stack, 3);
	EXPECT_EQ(fmt::to_string(before), "tcp_v4_rcv+0x10\nip_local_deliver+0x10\n");
	std::ofstream(file.path) << "ffffffff81000000 T _stext\n"
				    "ffffffff81000100 T kfree_skb_reason\n"
				    "ffffffff81000200 T tcp_v6_rcv\n"
				    "ffffffff81000300 T ip6_input\n";
	symbols.load();
	fmt::memory_buffer after;
	printer.text(after, 0, stack, 3);
	EXPECT_EQ(fmt::to_string(after), "tcp_v6_rcv+0x10\nip6_input+0x10\n");
}

TEST_F(StackPrinterTest, JsonHoldsTheSameFramesUnindented)
{
	StackPrinter printer(names, "    ");
	EXPECT_EQ(printer.json(0, stack, 3).dump(),
		  R"(["tcp_v4_rcv+0x10","ip_local_deliver+0x10"])");
	EXPECT_EQ(printer.json(0, stack, 0).dump(), "[]");
	EXPECT_EQ(printer.frame(stack[0]), "kfree_skb_reason+0x10");
}

} // namespace
} // namespace nettrace
