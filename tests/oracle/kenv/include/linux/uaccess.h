/* SPDX-License-Identifier: MIT */
/*
 * Stand-in: user copies through process_vm_readv() on our own process
 * (host.c), so an unmapped or unreadable user pointer gives -EFAULT, exactly
 * as a fault in copy_from_user() does.
 */
#ifndef KENV_LINUX_UACCESS_H
#define KENV_LINUX_UACCESS_H

#include <linux/slab.h>

/* 0, or the number of bytes not copied. */
unsigned long kenv_copy_from_user(void *dst, const void __user *src,
				  unsigned long n);

static inline unsigned long copy_from_user(void *dst, const void __user *src,
					   unsigned long n)
{
	return kenv_copy_from_user(dst, src, n);
}

#define get_user(x, ptr) ({						\
	__typeof__(*(ptr)) __gu_v;					\
	unsigned long __gu_left =					\
		kenv_copy_from_user(&__gu_v, (ptr), sizeof(__gu_v));	\
	(x) = __gu_left ? 0 : __gu_v;					\
	__gu_left ? -EFAULT : 0;					\
})

static inline void *memdup_user(const void __user *src, size_t len)
{
	void *p = kmalloc(len, GFP_KERNEL);

	if (!p)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(p, src, len)) {
		kfree(p);
		return ERR_PTR(-EFAULT);
	}
	return p;
}

/* sizeof(*p) + n * sizeof(p->member[0]), saturating as the kernel's. */
#define struct_size(p, member, n) ({					\
	size_t __n = (n), __e = sizeof((p)->member[0]);			\
	__n > (SIZE_MAX - sizeof(*(p))) / __e ? SIZE_MAX :		\
		sizeof(*(p)) + __n * __e;				\
})

#endif /* KENV_LINUX_UACCESS_H */
