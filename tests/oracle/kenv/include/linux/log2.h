/* SPDX-License-Identifier: MIT */
/* Stand-in: the two log2 helpers kernel/kcov.c uses. */
#ifndef KENV_LINUX_LOG2_H
#define KENV_LINUX_LOG2_H
static inline int __ilog2_u64(u64 n)
{
	return 63 - __builtin_clzll(n);
}
#define is_power_of_2(n)	((n) != 0 && (((n) & ((n) - 1)) == 0))
#endif
