/* SPDX-License-Identifier: MIT */
/*
 * Stand-in: kmalloc and friends over the host heap. kfree() poisons and
 * quarantines instead of freeing, so a use after free in a misuse scenario
 * reads poison rather than someone else's object, and the harness can ask
 * whether an object was freed (kenv_freed()).
 */
#ifndef KENV_LINUX_SLAB_H
#define KENV_LINUX_SLAB_H

#define GFP_KERNEL	0x1u
#define GFP_ATOMIC	0x2u
#define __GFP_ZERO	0x100u

void *kenv_kmalloc(size_t size, gfp_t gfp);
void kfree(const void *p);

static inline void *kmalloc(size_t size, gfp_t gfp)
{
	return kenv_kmalloc(size, gfp);
}

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	return kenv_kmalloc(size, gfp | __GFP_ZERO);
}

#endif /* KENV_LINUX_SLAB_H */
