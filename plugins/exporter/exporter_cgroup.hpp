// SPDX-License-Identifier: MIT
// The container a process runs in, told by the cgroup paths container
// runtimes give their containers' processes: the id they name it by.
#pragma once

#include <string>
#include <string_view>

namespace nettrace::exporter {

// The container id in `cgroup`, the text of /proc/PID/cgroup; empty when
// no path names one. Recognised, as the runtimes name them under the
// systemd and the cgroupfs drivers:
//   docker             .../docker-<id>.scope, .../docker/<id>
//   containerd (CRI)   .../cri-containerd-<id>.scope, /kubepods/.../<id>
//   cri-o              .../crio-<id>.scope
//   podman             .../libpod-<id>.scope
// where <id> is 64 hex digits. The cgroup v2 line is read first; the
// innermost container wins when they nest.
std::string container_id_from_cgroup(std::string_view cgroup);

} // namespace nettrace::exporter
