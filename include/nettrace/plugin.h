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
 *
 * History: 1.0 run; 1.1 adds nettrace_plugin.check (optional) and
 * nettrace_host.for_each_plugin.
 */
#ifndef NETTRACE_PLUGIN_H
#define NETTRACE_PLUGIN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NETTRACE_PLUGIN_ABI_MAJOR 1
#define NETTRACE_PLUGIN_ABI_MINOR 1

#define NETTRACE_PLUGIN_SYMBOL_PREFIX "nettrace_plugin_v"
#define NETTRACE_PLUGIN_SYMBOL_(major) nettrace_plugin_v##major
#define NETTRACE_PLUGIN_SYMBOL_X_(major) NETTRACE_PLUGIN_SYMBOL_(major)
/* The exported symbol's identifier: nettrace_plugin_v1 for ABI 1.x. */
#define NETTRACE_PLUGIN_SYMBOL NETTRACE_PLUGIN_SYMBOL_X_(NETTRACE_PLUGIN_ABI_MAJOR)

/* Exit codes shared by the driver and every plugin. */
#define NETTRACE_EXIT_OK 0
#define NETTRACE_EXIT_FAILURE 1 /* runtime failure: attach, kernel, I/O */
#define NETTRACE_EXIT_USAGE 2   /* bad command line */

struct nettrace_plugin;

/* What the driver offers a plugin while it runs. */
struct nettrace_host {
	uint32_t struct_size;
	uint16_t abi_major;
	uint16_t abi_minor;
	const char *version; /* the driver's version string */
	/* Prints "nettrace PLUGIN: MESSAGE" on stderr, one line. */
	void (*report_error)(const struct nettrace_host *host, const char *plugin_name,
			     const char *message);
	/* ABI 1.1: calls `visit` once for each plugin the driver loaded, in
	 * search order, with the file it came from and its descriptor (read
	 * up to the plugin's own struct_size; later fields are zero). For
	 * commands about other commands, such as `nettrace doctor`. */
	void (*for_each_plugin)(const struct nettrace_host *host, void *context,
				void (*visit)(void *context, const char *file,
					      const struct nettrace_plugin *plugin));
};

/* How well a plugin would run here, as its check finds it. */
enum nettrace_check_status {
	NETTRACE_CHECK_OK = 0,       /* works fully */
	NETTRACE_CHECK_DEGRADED = 1, /* works, but loses something */
	NETTRACE_CHECK_MISSING = 2,  /* does not work */
};

/* Where a check writes what it found, one call per finding. */
struct nettrace_check_sink {
	uint32_t struct_size;
	void *context;
	/* `status` is a nettrace_check_status. `what` names the feature
	 * ("drop reasons", "function rows"), `detail` says what was found and
	 * why, `fix` is one line saying what to do, or NULL. */
	void (*report)(struct nettrace_check_sink *sink, int status, const char *what,
		       const char *detail, const char *fix);
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
	/* ABI 1.1, optional (NULL: the plugin cannot be checked). Tries, for
	 * real, what a run with default options needs on this kernel with
	 * these privileges, leaves nothing attached, and reports each finding
	 * to `sink`. Returns NETTRACE_EXIT_OK, or NETTRACE_EXIT_FAILURE when
	 * the check itself could not be made. Must not let a C++ exception
	 * escape. */
	int (*check)(const struct nettrace_host *host, struct nettrace_check_sink *sink);
};

/* The smallest descriptor a 1.x driver can use. */
#define NETTRACE_PLUGIN_MIN_SIZE_V1 (sizeof(uint32_t) + 2 * sizeof(uint16_t) + 4 * sizeof(void *))

#ifdef __cplusplus
}
#endif

#endif
