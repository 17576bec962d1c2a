/* SPDX-License-Identifier: MIT */
/*
 * Stand-in for the kernel's <linux/errno.h>. glibc's own <errno.h> includes
 * <linux/errno.h> to get the numbers, and finds this file first (-I comes
 * before the system directories): so this file must not include <errno.h>
 * - that would leave EINVAL undefined - but pass the include on to the
 * system's <linux/errno.h> with #include_next.
 */
#ifndef _KSIM_STANDIN_LINUX_ERRNO_H
#define _KSIM_STANDIN_LINUX_ERRNO_H

#include_next <linux/errno.h>

/* Kernel-internal codes that the uapi header does not have. */
#define ERESTARTSYS	512
#define ENOTSUPP	524

#endif
