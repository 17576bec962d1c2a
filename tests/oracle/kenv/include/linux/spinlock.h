/* SPDX-License-Identifier: MIT */
/*
 * Stand-in: spinlocks and local locks over pthread mutexes (host.c). The
 * storage is opaque here (no libc headers on the kernel side); host.c checks
 * at build time that a pthread_mutex_t fits and that all-zero bytes are an
 * unlocked mutex. Taking a lock the same thread already holds aborts with a
 * message (a kernel would deadlock). "irqsave" disables nothing: simulated
 * interrupts are entered only by explicit calls, never asynchronously.
 */
#ifndef KENV_LINUX_SPINLOCK_H
#define KENV_LINUX_SPINLOCK_H

#include <linux/preempt.h>

typedef struct {
	unsigned long	mutex[5];	/* a pthread_mutex_t */
	unsigned long	owner;		/* kenv thread id of the holder, or 0 */
} spinlock_t;

typedef spinlock_t local_lock_t;

void kenv_lock(spinlock_t *l);
void kenv_unlock(spinlock_t *l);
void kenv_lock_init(spinlock_t *l);

#define __KENV_LOCK_UNLOCKED	{ { 0 }, 0 }
#define DEFINE_SPINLOCK(x)	spinlock_t x = __KENV_LOCK_UNLOCKED
#define INIT_LOCAL_LOCK(l)	__KENV_LOCK_UNLOCKED
#define spin_lock_init(l)	kenv_lock_init(l)
#define spin_lock(l)		kenv_lock(l)
#define spin_unlock(l)		kenv_unlock(l)
#define spin_lock_irqsave(l, flags) \
	do { (flags) = 0; kenv_lock(l); } while (0)
#define spin_unlock_irqrestore(l, flags) \
	do { (void)(flags); kenv_unlock(l); } while (0)
#define local_lock_irqsave(l, flags)	spin_lock_irqsave(l, flags)
#define local_unlock_irqrestore(l, flags) spin_unlock_irqrestore(l, flags)

/* One CPU's worth of per-CPU data: every simulated CPU shares it, which is
 * what kernel/kcov.c's lock protects anyway (it only serialises). */
#define DEFINE_PER_CPU(type, name)	type name
#define this_cpu_ptr(p)			(p)

#endif /* KENV_LINUX_SPINLOCK_H */
