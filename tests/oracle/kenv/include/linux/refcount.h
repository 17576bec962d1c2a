/* SPDX-License-Identifier: MIT */
/*
 * Stand-in: refcount_t with the kernel's checked semantics: an increment
 * from 0 or a decrement below 1 WARNs ("use-after-free") and saturates
 * instead of wrapping, so a misuse shows as a WARN in the transcript.
 */
#ifndef KENV_LINUX_REFCOUNT_H
#define KENV_LINUX_REFCOUNT_H

typedef struct {
	int refs;
} refcount_t;

#define REFCOUNT_SATURATED	(INT_MIN / 2)

void kenv_refcount_warn(const char *what);

static inline void refcount_set(refcount_t *r, int n)
{
	WRITE_ONCE(r->refs, n);
}

static inline unsigned int refcount_read(const refcount_t *r)
{
	return (unsigned int)READ_ONCE(r->refs);
}

static inline void refcount_inc(refcount_t *r)
{
	int old = __atomic_fetch_add(&r->refs, 1, __ATOMIC_RELAXED);

	if (unlikely(old <= 0)) {
		__atomic_store_n(&r->refs, REFCOUNT_SATURATED, __ATOMIC_RELAXED);
		kenv_refcount_warn(old == 0 ? "addition on 0; use-after-free"
					    : "saturated; leaking memory");
	}
}

static inline bool refcount_dec_and_test(refcount_t *r)
{
	int old = __atomic_fetch_sub(&r->refs, 1, __ATOMIC_RELEASE);

	if (old == 1)
		return true;
	if (unlikely(old <= 0)) {
		__atomic_store_n(&r->refs, REFCOUNT_SATURATED, __ATOMIC_RELAXED);
		kenv_refcount_warn("underflow; use-after-free");
	}
	return false;
}

#endif /* KENV_LINUX_REFCOUNT_H */
