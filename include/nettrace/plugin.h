/* SPDX-License-Identifier: MIT */
/*
 * The nettrace plugin ABI: the only contract between the `nettrace` driver
 * and a plugin shared object. It is plain C so that a plugin can be written
 * in any language and built with any compiler.
 *
 * Rules (see docs/PLUGINS.md):
 *   - A plugin exports one symbol, named NETTRACE_PLUGIN_SYMBOL, holding a
 *     pointer to its `struct nettrace_plugin`. The major version is part of
 *     that name, so a driver can never call a descriptor of another major.
 *   - The driver refuses a plugin whose major differs from its own or whose
 *     minor is newer than its own, before calling anything in it.
 *   - Structs only grow at the end, within a major. Each side reads the other
 *     up to the struct_size the other declares.
 */
#ifndef NETTRACE_PLUGIN_H
#define NETTRACE_PLUGIN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NETTRACE_PLUGIN_ABI_MAJOR 1
#define NETTRACE_PLUGIN_ABI_MINOR 0

#define NETTRACE_PLUGIN_SYMBOL_PREFIX "nettrace_plugin_v"
#define NETTRACE_PLUGIN_SYMBOL_(major) nettrace_plugin_v##major
#define NETTRACE_PLUGIN_SYMBOL_X_(major) NETTRACE_PLUGIN_SYMBOL_(major)
/* The exported symbol's identifier: nettrace_plugin_v1 for ABI 1.x. */
#define NETTRACE_PLUGIN_SYMBOL NETTRACE_PLUGIN_SYMBOL_X_(NETTRACE_PLUGIN_ABI_MAJOR)

/* Exit codes shared by the driver and every plugin. */
#define NETTRACE_EXIT_OK 0
#define NETTRACE_EXIT_FAILURE 1 /* runtime failure: attach, kernel, I/O */
#define NETTRACE_EXIT_USAGE 2   /* bad command line */

/* What the driver offers a plugin while it runs. */
struct nettrace_host {
	uint32_t struct_size;
	uint16_t abi_major;
	uint16_t abi_minor;
	const char *version; /* the driver's version string */
	/* Prints "nettrace PLUGIN: MESSAGE" on stderr, one line. */
	void (*report_error)(const struct nettrace_host *host,
			     const char *plugin_name, const char *message);
};

/* What a plugin is. The name and summary are written only here. */
struct nettrace_plugin {
	uint32_t struct_size; /* sizeof(struct nettrace_plugin) when built */
	uint16_t abi_major;   /* NETTRACE_PLUGIN_ABI_MAJOR when built */
	uint16_t abi_minor;   /* NETTRACE_PLUGIN_ABI_MINOR when built */
	const char *name;     /* the subcommand: [a-z0-9_-]+ */
	const char *summary;  /* one line for `nettrace --help` */
	const char *version;  /* the plugin's own version */
	/* Runs the command. argv[0] is the command name. Returns an exit code
	 * (NETTRACE_EXIT_*). Must not let a C++ exception escape. */
	int (*run)(const struct nettrace_host *host, int argc, char **argv);
};

/* The smallest descriptor a 1.x driver can use. */
#define NETTRACE_PLUGIN_MIN_SIZE_V1 \
	(sizeof(uint32_t) + 2 * sizeof(uint16_t) + 4 * sizeof(void *))

#ifdef __cplusplus
}
#endif

#endif
