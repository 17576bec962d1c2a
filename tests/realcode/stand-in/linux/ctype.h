/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/ctype.h>: ASCII classes, as the kernel's are. */
#ifndef _KSIM_RC_LINUX_CTYPE_H
#define _KSIM_RC_LINUX_CTYPE_H

static inline int ksim_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static inline int ksim_isxdigit(int c)
{
	return ksim_isdigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

#define isdigit(c)	ksim_isdigit(c)
#define isxdigit(c)	ksim_isxdigit(c)
#define _tolower(c)	((c) | 0x20)

#endif
