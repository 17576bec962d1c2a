/* SPDX-License-Identifier: MIT */
/* compiler.h - kernel vocabulary for the library's own code. */
#ifndef KSIM_COMPILER_H
#define KSIM_COMPILER_H

#include <stdatomic.h>

/*
 * Never instrument the library: a hook that calls instrumented code recurses.
 * GCC 12 honours only no_sanitize_coverage, Clang 14 only
 * no_sanitize("coverage"); the build also passes -fno-sanitize-coverage=...
 */
#if defined(__clang__)
#define notrace __attribute__((no_sanitize("coverage")))
#elif defined(__GNUC__) && __GNUC__ >= 12
#define notrace __attribute__((no_sanitize_coverage))
#else
#define notrace
#endif

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define __cold		__attribute__((cold, noinline))
#ifndef __always_inline
#define __always_inline __inline __attribute__((__always_inline__))
#endif

/* Same-thread ordering only: the other side is a signal on this thread. */
#define barrier()	atomic_signal_fence(memory_order_seq_cst)

/* Plain-sized relaxed accesses: one mov on x86-64, visible to TSan. */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_wmb()		atomic_thread_fence(memory_order_release)

#define BUILD_BUG_ON(c)		_Static_assert(!(c), #c)
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define KSIM_HIDDEN	__attribute__((visibility("hidden")))

#endif /* KSIM_COMPILER_H */
