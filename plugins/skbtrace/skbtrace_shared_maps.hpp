// SPDX-License-Identifier: MIT
// What every object of skbtrace after the first (the functions', the
// copies') takes from skbtrace.bpf.c before it loads: its maps, so that a
// packet is one packet whichever program sees it, and the settings every
// object's follow code reads.
#pragma once

#include "skbtrace_attach.hpp"

#include "skbtrace.skel.h"

#include <bpf/libbpf.h>

namespace nettrace::skbtrace {

template <typename Skel>
void share_main_maps(Skel *skel, skbtrace_bpf *main, const TracerSettings &settings)
{
	skel->rodata->nettrace_filter = settings.filter;
	skel->rodata->skbtrace_snaplen = settings.snaplen;
	bpf_map__set_max_entries(skel->maps.followed, settings.max_packets);
	bpf_map__reuse_fd(skel->maps.followed, bpf_map__fd(main->maps.followed));
	bpf_map__reuse_fd(skel->maps.events, bpf_map__fd(main->maps.events));
	bpf_map__reuse_fd(skel->maps.not_followed, bpf_map__fd(main->maps.not_followed));
}

} // namespace nettrace::skbtrace
