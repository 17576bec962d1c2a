/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/slab.h>: the C heap; GFP flags are ignored. */
#ifndef _KSIM_STANDIN_LINUX_SLAB_H
#define _KSIM_STANDIN_LINUX_SLAB_H

#include <stdlib.h>

typedef unsigned int gfp_t;
#define GFP_KERNEL	0u

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	return calloc(1, size);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

#endif
