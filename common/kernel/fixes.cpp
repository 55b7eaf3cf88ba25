// SPDX-License-Identifier: MIT
#include <nettrace/common/kernel/fixes.hpp>
#include <nettrace/common/kernel/paths.hpp>

#include <unistd.h>

namespace nettrace::fix {

std::string mount_tracefs()
{
	return std::string("mount -t tracefs nodev ") + kernel_paths::tracing_dir;
}

std::string show_kernel_addresses()
{
	return geteuid() == 0 ? "set kernel.kptr_restrict=1 (2 hides addresses even from root)"
			      : "run as root, or set kernel.kptr_restrict=0";
}

} // namespace nettrace::fix
