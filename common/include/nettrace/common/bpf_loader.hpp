// SPDX-License-Identifier: MIT
// Opening, loading and attaching a libbpf skeleton with errors that say
// what failed and what to do: missing privileges, missing BTF, a program
// the verifier rejected (with the verifier's last lines), an attach point
// the kernel does not have.
#pragma once

#include <nettrace/errors.hpp>

#include <bpf/libbpf.h>

#include <cerrno>
#include <string>
#include <string_view>

namespace nettrace::bpf {

// Routes libbpf's messages into a buffer of recent lines, so that a failure
// can quote them; with `verbose` they are also printed on stderr.
void capture_libbpf_log(bool verbose);
// The last `max_lines` lines libbpf printed since the last clear.
std::string libbpf_log_tail(std::size_t max_lines);
void clear_libbpf_log();

// Empty when this process may load and attach tracing programs, else one
// line saying which privileges are missing.
std::string missing_privileges();
// Throws RuntimeError unless the process has the privileges and the kernel
// has BTF: both are needed before anything is opened.
void require_bpf_environment();

// Turns a libbpf error (negative errno) at `stage` ("loading", "attaching")
// of `object` into a RuntimeError naming the cause and the fix.
[[noreturn]] void throw_bpf_error(std::string_view stage, std::string_view object, int err);

// The four functions `bpftool gen skeleton` writes for a skeleton NAME.
template <typename Skel> struct SkeletonOps {
	Skel *(*open)(const struct bpf_object_open_opts *);
	int (*load)(Skel *);
	int (*attach)(Skel *);
	void (*destroy)(Skel *);
};
#define NETTRACE_SKELETON_OPS(NAME)                                            \
	::nettrace::bpf::SkeletonOps<NAME> { NAME##__open_opts, NAME##__load, NAME##__attach, NAME##__destroy }

// Owns a skeleton from open to destroy; destroying detaches everything, so
// an error at any stage leaves nothing attached.
template <typename Skel> class Skeleton {
public:
	Skeleton(SkeletonOps<Skel> ops, std::string name) : ops_(ops), name_(std::move(name))
	{
		clear_libbpf_log();
		skel_ = ops_.open(nullptr);
		if (!skel_)
			throw_bpf_error("opening", name_, -errno);
	}
	~Skeleton() { ops_.destroy(skel_); }
	Skeleton(const Skeleton &) = delete;
	Skeleton &operator=(const Skeleton &) = delete;

	Skel *operator->() const { return skel_; }
	Skel *get() const { return skel_; }
	const std::string &name() const { return name_; }

	void load()
	{
		if (int err = try_load())
			throw_bpf_error("loading", name_, err);
	}
	// For callers that fall back on failure: the negative errno, or 0.
	// libbpf's messages about it stay available (libbpf_log_tail).
	int try_load()
	{
		clear_libbpf_log();
		return ops_.load(skel_);
	}
	void attach()
	{
		clear_libbpf_log();
		if (int err = ops_.attach(skel_))
			throw_bpf_error("attaching", name_, err);
	}

private:
	SkeletonOps<Skel> ops_;
	std::string name_;
	Skel *skel_ = nullptr;
};

} // namespace nettrace::bpf
