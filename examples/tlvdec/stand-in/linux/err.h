/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/err.h>: errors encoded in the top page of pointers. */
#ifndef _KSIM_STANDIN_LINUX_ERR_H
#define _KSIM_STANDIN_LINUX_ERR_H

#include <stdbool.h>

#define MAX_ERRNO	4095

static inline void *ERR_PTR(long error)
{
	return (void *)error;
}

static inline long PTR_ERR(const void *ptr)
{
	return (long)ptr;
}

static inline bool IS_ERR(const void *ptr)
{
	return (unsigned long)ptr >= (unsigned long)-MAX_ERRNO;
}

#endif
