// SPDX-License-Identifier: MIT
// Following the copies of followed packets (skbtrace_copies.bpf.c): the
// functions that make a new sk_buff from one, watched on their return, by
// fexit where skbtrace's functions attach by fentry, else by a kprobe and
// a kretprobe each.
#pragma once

#include "skbtrace_attach.hpp"

#include <array>
#include <memory>
#include <string>
#include <vector>

struct skbtrace_bpf;

namespace nettrace::skbtrace {

// The functions whose result is a clone or copy of their first argument.
inline constexpr std::array<const char *, 4> copy_functions = {"skb_clone", "skb_copy",
							       "__pskb_copy_fclone",
							       "skb_copy_expand"};

class CopyFollowing {
public:
	// Shares `main`'s maps. Never throws for the kernel's refusals:
	// functions() is then empty and why_not() says why.
	CopyFollowing(skbtrace_bpf *main, const TracerSettings &settings,
		      bpf::AttachKind functions_by);
	~CopyFollowing();
	CopyFollowing(const CopyFollowing &) = delete;
	CopyFollowing &operator=(const CopyFollowing &) = delete;

	// How the copy functions are watched: "fexit" (the fentry family's
	// return probe) or "kretprobe".
	const char *mechanism() const
	{
		return mechanism_ == bpf::AttachKind::Fentry ? "fexit" : "kretprobe";
	}
	const std::vector<std::string> &functions() const { return functions_; } // watched
	const std::string &why_not() const { return why_not_; }                  // when none is
	// NULL when nothing loaded.
	const volatile __u64 *lost_events() const;
	std::uint64_t packets_overflow() const;

private:
	struct Loaded;
	std::unique_ptr<Loaded> loaded_;
	bpf::AttachKind mechanism_; // Fentry (fexit) or Kprobe
	std::vector<std::string> functions_;
	std::string why_not_;
};

} // namespace nettrace::skbtrace
