/* SPDX-License-Identifier: MIT */
/*
 * compiler.h - kernel vocabulary for the library's own code: attributes,
 * the one atomics dialect, and the debug-build checks behind comments.
 */
#ifndef KSIM_COMPILER_H
#define KSIM_COMPILER_H

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>

/*
 * Never instrument the library: a hook that calls instrumented code recurses.
 * GCC 12 honours only no_sanitize_coverage, Clang 14 only
 * no_sanitize("coverage"); the build also passes -fno-sanitize-coverage=...
 */
#if defined(KSIM_SELF_TARGET)
/*
 * tests/selffuzz: a private copy of the library built as the fuzz target,
 * instrumented on purpose; its hooks.c is compiled without the flag.
 */
#define notrace
#elif defined(__clang__)
#define notrace __attribute__((no_sanitize("coverage")))
#elif defined(__GNUC__) && __GNUC__ >= 12
#define notrace __attribute__((no_sanitize_coverage))
#else
#define notrace
#endif

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define __cold		__attribute__((cold, noinline))
#define __noinline	__attribute__((noinline))
#ifndef __always_inline
#define __always_inline __inline __attribute__((__always_inline__))
#endif

#define BUILD_BUG_ON(c)		_Static_assert(!(c), #c)
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define KSIM_HIDDEN	__attribute__((visibility("hidden")))

/*
 * Atomics: the kernel's words over the compiler's __atomic builtins, on
 * plain fields (no _Atomic types, no <stdatomic.h>). Relaxed unless the
 * name says otherwise; each acquire/release names its pair where used.
 */

/* Same-thread ordering only: the other side is a signal on this thread. */
#define barrier()		__atomic_signal_fence(__ATOMIC_SEQ_CST)

/* Plain-sized relaxed accesses: one mov on x86-64, visible to TSan. */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)

/* Read-modify-write on a counter or a mask; return the new value. */
#define atomic_add_return(p, v)	__atomic_add_fetch((p), (v), __ATOMIC_RELAXED)
#define atomic_sub_return(p, v)	__atomic_sub_fetch((p), (v), __ATOMIC_RELAXED)
#define atomic_or(p, v)		((void)__atomic_fetch_or((p), (v), __ATOMIC_RELAXED))
#define atomic_andnot(p, v)	((void)__atomic_fetch_and((p), ~(v), __ATOMIC_RELAXED))
#define atomic_inc(p)		((void)atomic_add_return((p), 1))
#define atomic_dec(p)		((void)atomic_sub_return((p), 1))
/* A reference drop: acq_rel, so the last holder sees every other's writes. */
#define atomic_dec_and_test(p)	(__atomic_sub_fetch((p), 1, __ATOMIC_ACQ_REL) == 0)
/* *p = new if *p == old; true on success (strong: no spurious failure). */
#define atomic_try_cmpxchg(p, oldp, new)				\
	__atomic_compare_exchange_n((p), (oldp), (new), false,		\
				    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)

/* refcount_inc_not_zero(): take a reference unless the object is dying. */
static inline bool atomic_inc_not_zero(int *p)
{
	int old = READ_ONCE(*p);

	while (old > 0)
		if (__atomic_compare_exchange_n(p, &old, old + 1, true,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
	return false;
}

/*
 * Debug-build checks of what the comments claim (STYLE 6.5): "caller holds
 * X", refcounts that must not underflow, the one writer of an area. The
 * sanitizer presets build Debug, so CI runs them; Release compiles them out.
 * glibc records the owner's tid in the mutex: that is the check.
 */
#ifdef NDEBUG
#define lockdep_assert_held(m)		((void)(m))
#define lockdep_assert_not_held(m)	((void)(m))
#else
#include <unistd.h>
/* gettid(), not syscall(SYS_gettid): the library interposes syscall(). */
#define ksim_mutex_owned(m)	((m)->__data.__owner == (int)gettid())
#define lockdep_assert_held(m)		assert(ksim_mutex_owned(m))
#define lockdep_assert_not_held(m)	assert(!ksim_mutex_owned(m))
#endif

#endif /* KSIM_COMPILER_H */
