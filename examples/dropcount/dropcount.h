/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What dropcount.bpf.c and dropcount.cpp agree on. */
#ifndef DROPCOUNT_H
#define DROPCOUNT_H

/* The skeleton's read-only data holds the filter, a struct nt_filter. */
#include <nettrace/filter_spec.h>

/* Distinct drop reasons counted; the kernel names about 120 core reasons,
 * and subsystems add their own. Past this, new reasons are not counted and
 * the user side says so. */
#define DROPCOUNT_MAX_REASONS 1024

#endif
