// SPDX-License-Identifier: MIT
// Loading and attaching skbtrace: the tracepoints that carry an sk_buff
// and the packet's ends on every kernel, and the kernel functions that
// take one where the kernel allows it, by kprobe.multi, else fentry, else
// one kprobe per function. What attached, and why the rest did not, is
// kept for the header and --verbose.
#pragma once

#include "skbtrace.h"

#include <nettrace/common/bpf/attach.hpp>
#include <nettrace/common/kernel/btf.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nettrace::skbtrace {

// --attach: how the functions attach. Auto tries each in turn; Tracepoint
// attaches no function.
enum class FunctionAttach { Auto, KprobeMulti, Fentry, Kprobe, Tracepoint };

struct TracerSettings {
	nt_filter filter{};
	bool stacks = true;
	std::uint32_t max_packets = SKBTRACE_DEFAULT_MAX_PACKETS;
	std::uint32_t snaplen = 0; // -w: bytes of each sighting kept; 0 keeps none
	FunctionAttach attach = FunctionAttach::Auto;
	std::vector<std::string> points; // --points globs; empty: every point
};

// The tracepoints skbtrace has a program for, as --points and the output
// name them ("net:netif_receive_skb"), by enum skbtrace_tracepoint.
const std::vector<std::string> &tracepoint_names();

// What attached, for the header.
struct Attached {
	std::vector<std::string> tracepoints;        // attached
	std::vector<std::string> tracepoints_not;    // "net:x: why", this kernel's or ours
	std::optional<bpf::AttachKind> functions_by; // nothing: no function attached
	std::size_t functions = 0;                   // attached
	std::size_t functions_failed = 0;            // tried by functions_by, refused
	std::string function_failure;                // one of those refusals, why
	std::vector<std::string> mechanisms_failed;  // "kprobe.multi: why", in order tried
	bool ends_exact = false; // the free functions attached: every end is seen
	// Where functions attach: the copy functions watched, and how, or why
	// none is.
	std::vector<std::string> copies;
	const char *copies_by = nullptr;
	std::string copies_not;
};

struct FunctionChoice;
class CopyFollowing;

class Tracer {
public:
	// Throws UsageError for --points that name nothing, RuntimeError when
	// the ends (skb:kfree_skb, skb:consume_skb) cannot attach or a forced
	// --attach attaches nothing. Nothing stays attached after a throw.
	explicit Tracer(const TracerSettings &settings);
	~Tracer();
	Tracer(const Tracer &) = delete;
	Tracer &operator=(const Tracer &) = delete;

	const Attached &attached() const { return attached_; }
	int ring_buffer_fd() const;
	int followed_fd() const; // the map of followed packets, by sk_buff
	// One counter of lost records per loaded object.
	std::vector<const volatile __u64 *> lost_events() const;
	// Packets that matched when --max-packets were followed already.
	std::uint64_t packets_overflow() const;

	struct Loaded;

private:
	void attach_tracepoints(const TracerSettings &settings);
	void attach_functions(const TracerSettings &settings);
	void follow_copies(const TracerSettings &settings);
	std::string attach_each(FunctionAttach how, const FunctionChoice &choice,
				const KernelBtf &btf);

	std::unique_ptr<Loaded> loaded_;
	std::unique_ptr<CopyFollowing> copies_; // where functions attach
	Attached attached_;
};

} // namespace nettrace::skbtrace
