/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/math64.h>: 64-bit division is native here. */
#ifndef _KSIM_RC_LINUX_MATH64_H
#define _KSIM_RC_LINUX_MATH64_H

#include <linux/types.h>

static inline u64 div_u64(u64 dividend, u32 divisor)
{
	return dividend / divisor;
}

#endif
