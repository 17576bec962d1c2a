/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/compiler.h>: the attributes and hints used. */
#ifndef _KSIM_RC_LINUX_COMPILER_H
#define _KSIM_RC_LINUX_COMPILER_H

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define noinline	__attribute__((__noinline__))
#define __pure		__attribute__((__pure__))
#define __must_check	__attribute__((__warn_unused_result__))
#define fallthrough	__attribute__((__fallthrough__))
#define __user			/* one address space here */

#endif
