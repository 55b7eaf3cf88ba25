// SPDX-License-Identifier: MIT
#include "libpcap.hpp"

#include <nettrace/errors.hpp>

#include <dlfcn.h>
#include <string>

namespace nettrace::pcap {
namespace {

// Debian's soname first, then upstream's.
constexpr const char *kSonames[] = {"libpcap.so.0.8", "libpcap.so.1"};

template <typename Function>
void find(void *handle, const char *name, Function *&to)
{
	to = reinterpret_cast<Function *>(dlsym(handle, name));
	if (!to)
		throw RuntimeError(std::string("libpcap: no function ") + name + " in it");
}

Libpcap open_libpcap()
{
	void *handle = nullptr;
	std::string why;
	for (const char *soname : kSonames) {
		// Never closed: compiled programs refer to nothing in it, but
		// the process may compile again.
		handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
		if (handle)
			break;
		why = dlerror();
	}
	if (!handle)
		throw RuntimeError("libpcap: cannot be opened (" + why +
				   "); install libpcap0.8 to use filter expressions");
	Libpcap lib{};
	find(handle, "pcap_open_dead", lib.open_dead);
	find(handle, "pcap_compile", lib.compile);
	find(handle, "pcap_geterr", lib.geterr);
	find(handle, "pcap_freecode", lib.freecode);
	find(handle, "pcap_close", lib.close);
	find(handle, "pcap_lib_version", lib.lib_version);
	return lib;
}

} // namespace

const Libpcap &libpcap()
{
	static const Libpcap lib = open_libpcap();
	return lib;
}

} // namespace nettrace::pcap
