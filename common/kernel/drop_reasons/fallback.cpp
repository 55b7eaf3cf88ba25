// SPDX-License-Identifier: MIT
// Which source a DropReasons table comes from: kernel BTF, else tracefs,
// else an empty table that says why neither worked.
#include "builder.hpp"
#include "sources.hpp"

#include <nettrace/errors.hpp>

#include <fmt/format.h>

#include <functional>

namespace nettrace::drop_reasons {

namespace {

DropReasons load_with_fallback(const std::function<DropReasons()> &from_kernel_btf,
			       const std::vector<std::string> &tracing_dirs)
{
	std::string btf_error;
	try {
		return from_kernel_btf();
	} catch (const RuntimeError &e) {
		btf_error = e.what();
	}
	std::string tracefs_error;
	try {
		return from_tracefs(tracing_dirs);
	} catch (const RuntimeError &e) {
		tracefs_error = e.what();
	}
	return DropReasonsBuilder::unavailable(
		fmt::format("drop reason names unavailable: {}; {}", btf_error, tracefs_error));
}

} // namespace

DropReasons load(const std::string &btf_dir, const std::vector<std::string> &tracing_dirs)
{
	return load_with_fallback([&] { return from_btf(btf_dir); }, tracing_dirs);
}

DropReasons load(btf *vmlinux)
{
	return load_with_fallback(
		[&] {
			if (!vmlinux)
				throw RuntimeError(
					fmt::format("no kernel BTF ({}/vmlinux)", default_btf_dir));
			return from_parsed_btf(*vmlinux, std::string(default_btf_dir) + "/vmlinux",
					       default_btf_dir);
		},
		default_tracing_dirs());
}

DropReasons load()
{
	return load(default_btf_dir, default_tracing_dirs());
}

} // namespace nettrace::drop_reasons
