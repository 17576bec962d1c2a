/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/kernel.h>: pr_*(), min(), limits. */
#ifndef _KSIM_RC_LINUX_KERNEL_H
#define _KSIM_RC_LINUX_KERNEL_H

#include <limits.h>
#include <stdio.h>
#include <linux/compiler.h>
#include <linux/minmax.h>
#include <linux/types.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* pr_err() prints, as the kernel's does; pr_debug() only under DEBUG. */
#define pr_err(fmt, ...)	fprintf(stderr, fmt, ##__VA_ARGS__)
#ifdef DEBUG
#define pr_debug(fmt, ...)	fprintf(stderr, fmt, ##__VA_ARGS__)
#else
#define pr_debug(fmt, ...)	({ if (0) fprintf(stderr, fmt, ##__VA_ARGS__); 0; })
#endif

#endif
