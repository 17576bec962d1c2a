/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/kernel.h>: what the ported file uses of it. */
#ifndef _KSIM_STANDIN_LINUX_KERNEL_H
#define _KSIM_STANDIN_LINUX_KERNEL_H

#include <stdio.h>
#include <linux/types.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* pr_debug() prints nothing unless DEBUG, as in the kernel; the format is
 * still checked. */
#ifdef DEBUG
#define pr_debug(fmt, ...)	fprintf(stderr, fmt, ##__VA_ARGS__)
#else
#define pr_debug(fmt, ...)	({ if (0) fprintf(stderr, fmt, ##__VA_ARGS__); 0; })
#endif

#endif
