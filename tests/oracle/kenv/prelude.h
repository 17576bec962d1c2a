/* SPDX-License-Identifier: MIT */
/*
 * prelude.h - forced into every kernel-side translation unit of the oracle
 * (-include, with -nostdinc): the vocabulary every kernel file takes for
 * granted (types, compiler words, errno values, limits, WARN_ON, ERR_PTR).
 * Written for libkcov-sim's oracle; it models an x86-64 kernel built with
 * CONFIG_KCOV=y and CONFIG_KCOV_ENABLE_COMPARISONS=y (unless the build says
 * otherwise), no KASAN/KMSAN, no PREEMPT_RT, no RANDOMIZE_BASE.
 */
#ifndef KENV_PRELUDE_H
#define KENV_PRELUDE_H

#define __KERNEL__		1
#define CONFIG_64BIT		1
#define CONFIG_KCOV		1
#ifndef CONFIG_KCOV_IRQ_AREA_SIZE
#define CONFIG_KCOV_IRQ_AREA_SIZE	0x40000
#endif

/* ---- types ---- */
typedef unsigned char		u8;
typedef unsigned short		u16;
typedef unsigned int		u32;
typedef unsigned long long	u64;
typedef signed char		s8;
typedef short			s16;
typedef int			s32;
typedef long long		s64;
typedef u8  __u8;
typedef u16 __u16;
typedef u32 __u32;
typedef u64 __u64;
typedef s32 __s32;
typedef s64 __s64;
typedef u64 __attribute__((aligned(8))) __aligned_u64;
typedef unsigned long		size_t;
typedef long			ssize_t;
typedef long			loff_t;
typedef unsigned int		gfp_t;
typedef unsigned short		umode_t;
typedef unsigned long		uintptr_t;
typedef _Bool			bool;
#define true	1
#define false	0
#define NULL	((void *)0)

/* ---- compiler words ---- */
#define __user
#define __iomem
#define __force
#define __init
#define __exit
#define notrace		__attribute__((no_instrument_function))
#define __always_inline	inline __attribute__((__always_inline__))
#define noinline	__attribute__((__noinline__))
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define barrier()	__asm__ __volatile__("" ::: "memory")
#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) do { *(volatile __typeof__(x) *)&(x) = (v); } while (0)
#define _RET_IP_	((unsigned long)__builtin_return_address(0))
#define fallthrough	__attribute__((__fallthrough__))
#define offsetof(t, m)	__builtin_offsetof(t, m)
#define container_of(p, t, m) ((t *)((char *)(p) - offsetof(t, m)))
#define BUILD_BUG_ON(c)	_Static_assert(!(c), "BUILD_BUG_ON: " #c)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define min(a, b)	({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); \
			   _a < _b ? _a : _b; })
#define max(a, b)	({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); \
			   _a > _b ? _a : _b; })
#define memcpy(d, s, n)	__builtin_memcpy(d, s, n)
#define memset(d, c, n)	__builtin_memset(d, c, n)

/* ---- limits ---- */
#define INT_MAX		((int)(~0U >> 1))
#define LONG_MAX	((long)(~0UL >> 1))
#define ULONG_MAX	(~0UL)
#define SIZE_MAX	(~(size_t)0)
#define INT_MIN		(-INT_MAX - 1)

/* ---- errno (the kernel's numbers; ENOTSUPP is kernel-internal) ---- */
#define EPERM		1
#define ENOENT		2
#define EBADF		9
#define ENOMEM		12
#define EACCES		13
#define EFAULT		14
#define EBUSY		16
#define EEXIST		17
#define ENODEV		19
#define EINVAL		22
#define ENOTTY		25
#define EMFILE		24
#define ESPIPE		29
#define ENOTSUPP	524

/* ---- ioctl numbers (asm-generic/ioctl.h layout) ---- */
#define _IOC_NONE	0U
#define _IOC_WRITE	1U
#define _IOC_READ	2U
#define _IOC(dir, type, nr, size) \
	(((dir) << 30) | ((size) << 16) | ((type) << 8) | (nr))
#define _IO(type, nr)		_IOC(_IOC_NONE, (type), (nr), 0)
#define _IOR(type, nr, t)	_IOC(_IOC_READ, (type), (nr), sizeof(t))
#define _IOW(type, nr, t)	_IOC(_IOC_WRITE, (type), (nr), sizeof(t))

/* ---- ERR_PTR ---- */
#define MAX_ERRNO	4095
static inline void *ERR_PTR(long e) { return (void *)e; }
static inline long PTR_ERR(const void *p) { return (long)p; }
static inline bool IS_ERR(const void *p)
{
	return (unsigned long)p >= (unsigned long)-MAX_ERRNO;
}

/* ---- WARN_ON: counted by the host, never fatal (as on a kernel) ---- */
void kenv_warn(const char *file, int line, const char *cond);
#define WARN_ON(c) ({							\
	int __w = !!(c);						\
	if (unlikely(__w))						\
		kenv_warn(__FILE__, __LINE__, #c);			\
	unlikely(__w);							\
})
#define WARN_ON_ONCE(c)	WARN_ON(c)

#endif /* KENV_PRELUDE_H */
