/* SPDX-License-Identifier: MIT */
/*
 * Stand-in for <linux/errno.h>. glibc's <errno.h> includes <linux/errno.h>
 * and finds this file first: pass the include on to the system's with
 * #include_next (including <errno.h> here would leave EINVAL undefined).
 */
#ifndef _KSIM_RC_LINUX_ERRNO_H
#define _KSIM_RC_LINUX_ERRNO_H

#include_next <linux/errno.h>

#define ENOTSUPP	524

#endif
