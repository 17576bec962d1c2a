/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/minmax.h> (the kernel's checks types; this does not). */
#ifndef _KSIM_RC_LINUX_MINMAX_H
#define _KSIM_RC_LINUX_MINMAX_H

#define min(a, b)	((a) < (b) ? (a) : (b))
#define max(a, b)	((a) > (b) ? (a) : (b))

#endif
