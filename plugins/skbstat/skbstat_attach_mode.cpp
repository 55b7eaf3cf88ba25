// SPDX-License-Identifier: MIT
// --attach: the kind each choice forces, and its name.
#include "skbstat_probes.hpp"

namespace nettrace::skbstat {

using bpf::AttachKind;

std::optional<AttachKind> forced_kind(AttachMode m)
{
	switch (m) {
	case AttachMode::Auto:
		return std::nullopt;
	case AttachMode::Fentry:
		return AttachKind::Fentry;
	case AttachMode::Kprobe:
		return AttachKind::Kprobe;
	case AttachMode::TpBtf:
		return AttachKind::TpBtf;
	case AttachMode::Tracepoint:
		return AttachKind::Tracepoint;
	}
	return std::nullopt;
}

const char *attach_mode_name(AttachMode m)
{
	const auto kind = forced_kind(m);
	return kind ? bpf::name(*kind) : "auto";
}

} // namespace nettrace::skbstat
