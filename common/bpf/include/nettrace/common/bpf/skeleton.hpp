// SPDX-License-Identifier: MIT
// Opening, loading and attaching a libbpf skeleton with errors that say
// what failed and what to do: missing privileges, missing BTF, a program
// the verifier rejected (with the verifier's last lines), an attach point
// the kernel does not have.
#pragma once

#include <nettrace/common/bpf/btf_attach.hpp>
#include <nettrace/common/bpf/libbpf_log.hpp>
#include <nettrace/common/bpf/load_errors.hpp>
#include <nettrace/common/bpf/packet_expression.hpp>

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace nettrace::bpf {

// The functions `bpftool gen skeleton` writes for a skeleton NAME.
template <typename Skel>
struct SkeletonOps {
	Skel *(*open)(const struct bpf_object_open_opts *);
	int (*load)(Skel *);
	int (*attach)(Skel *);
	void (*destroy)(Skel *);
	const void *(*elf_bytes)(std::size_t *);
};
#define NETTRACE_SKELETON_OPS(NAME)                                                          \
	(::nettrace::bpf::SkeletonOps<NAME>{NAME##__open_opts, NAME##__load, NAME##__attach, \
					    NAME##__destroy, NAME##__elf_bytes})

// Owns a skeleton from open to destroy; destroying detaches everything, so
// an error at any stage leaves nothing attached.
template <typename Skel>
class Skeleton {
public:
	// `kind`: how all of its programs attach, when they attach one way;
	// an error then names causes only that kind has.
	Skeleton(SkeletonOps<Skel> ops, std::string name,
		 std::optional<AttachKind> kind = std::nullopt)
	    : ops_(ops), name_(std::move(name)), kind_(kind)
	{
		clear_libbpf_log();
		std::size_t size = 0;
		const auto *elf = static_cast<const char *>(ops_.elf_bytes(&size));
		const std::string core_btf = prepare_to_open(name_, std::string_view(elf, size));
		LIBBPF_OPTS(bpf_object_open_opts, opts,
			    .btf_custom_path = core_btf.empty() ? nullptr : core_btf.c_str());
		skel_ = ops_.open(&opts);
		if (!skel_) {
			const int err = -errno;
			finish_loading();
			throw_bpf_error("opening", name_, err, kind_);
		}
	}
	~Skeleton()
	{
		finish_loading(); // if never loaded
		ops_.destroy(skel_);
	}
	Skeleton(const Skeleton &) = delete;
	Skeleton &operator=(const Skeleton &) = delete;

	Skel *operator->() const { return skel_; }
	Skel *get() const { return skel_; }
	const std::string &name() const { return name_; }

	void load()
	{
		if (int err = try_load()) {
			if (expression_refused(err))
				throw_expression_refused();
			throw_bpf_error("loading", name_, err, kind_);
		}
	}
	// For callers that fall back on failure: the negative errno, or 0.
	// libbpf's messages about it stay available (libbpf_log_tail). The
	// command line's pcap-filter expression goes in first
	// (packet_expression.hpp).
	int try_load()
	{
		clear_libbpf_log();
		put_packet_expression(skel_->obj);
		const int err = ops_.load(skel_);
		finish_loading();
		if (!err)
			check_packet_expression(skel_->obj);
		return err;
	}
	void attach()
	{
		clear_libbpf_log();
		if (int err = ops_.attach(skel_))
			throw_bpf_error("attaching", name_, err, kind_);
	}

private:
	SkeletonOps<Skel> ops_;
	std::string name_;
	std::optional<AttachKind> kind_;
	Skel *skel_ = nullptr;
};

} // namespace nettrace::bpf
