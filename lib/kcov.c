/* SPDX-License-Identifier: MIT */
/*
 * kcov.c - what the kernel's kernel/kcov.c holds, in its order and with its
 * names: struct kcov and the remote handle table, the task side (start,
 * stop, task init and exit), the file operations and ioctls, and remote
 * sections (the area pool, softirq save/restore, kcov_move_area()). A
 * reader with kernel/kcov.c open beside this file finds each function at
 * the same place. The hooks, which the kernel keeps here too, are in
 * hooks.c: they are built apart (the LTO form) and read only the task.
 *
 * What the kernel gets for free lives around this file: the memfd buffer
 * (buf.c), the file's fds and mappings (vfs.c), fork (fork.c), the raw libc
 * calls (libc.c). Functions marked "(simulator)" have no kernel twin.
 *
 *                 INIT_TRACE(n)        ENABLE(m) / REMOTE_ENABLE
 *   S0 DISABLED ---------------> S1 INIT ------------------------> S2/S3 on
 *   (open)                          ^                                   |
 *                                   +-- DISABLE, owner exit, failed ----+
 *                                       REMOTE_ENABLE: kcov_reset()
 *
 * Any state -> freed when the last reference goes (kcov_put()). References:
 * the file (vfs.c holds it while an fd or a user mapping exists), the owner
 * task, and every running remote section.
 *
 * Locks (the full order is the table in fork.c): kcov->lock, then
 * remote_lock (spec 6.1). kcov_remote_start() never takes a device lock;
 * kcov_remote_stop() takes the device lock and remote_lock one after the
 * other, never nested. Resets of remote devices run under both, so a start
 * that finds a handle under remote_lock sees the device's current mode and
 * sequence. The kernel's per-CPU local lock has no twin: a simulated CPU is
 * one thread, and only that thread touches its own task and softirq state.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/single_threaded.h>

#include "internal.h"

/*
 * The kernel's lock and sequence live in the shared page of the memfd
 * (buf.c), reached by every process that holds the file: kcov_lock()
 * below, and kcov->shared->sequence.
 */
struct kcov {
	/* file + owner task + running sections; atomic */
	int		refcount;
	struct kcov_shared *shared;	/* lock, sequence, owner, INIT size */
	/* Under kcov_lock(): */
	enum kcov_mode	mode;		/* DISABLED, INIT, TRACE_PC or TRACE_CMP */
	uint32_t	size;		/* words, set once by KCOV_INIT_TRACE */
	unsigned long	*area;		/* the library's view of the memfd */
	struct kcov_task *t;		/* owner (local or remote) or NULL */
	bool		remote;
	uint32_t	remote_size;	/* words per remote section buffer */

	/* (simulator) Under kcov_lock(), set once: */
	size_t		map_len;	/* page-rounded bytes of @area */
	/* The process of @t; written under @lock, read unlocked (atomic). */
	pid_t		owner_pid;
	/* Under remote_lock: */
	unsigned int	nr_handles;
	/* Under devices_lock: */
	uint64_t	id;
	LIST_ENTRY(kcov) link;
};

#define KCOV_REMOTE_BUCKETS	64

/* Lives in the first words of a pooled buffer, as in the kernel (5.6). */
struct kcov_remote_area {
	LIST_ENTRY(kcov_remote_area) link;
	size_t			size;	/* words */
};

struct kcov_remote {
	uint64_t		handle;
	struct kcov		*kcov;
	LIST_ENTRY(kcov_remote)	link;
};

static pthread_mutex_t remote_lock = PTHREAD_MUTEX_INITIALIZER;
/* Under remote_lock: */
static LIST_HEAD(, kcov_remote) remote_map[KCOV_REMOTE_BUCKETS];
/* [0] task section buffers, [1] the IRQ pool of the pool profiles */
static LIST_HEAD(, kcov_remote_area) remote_areas[2];
static struct kcov_sim_pool_stats pool_stats;
static bool irq_pool_filled;
static unsigned int irq_pool_made;	/* buffers the IRQ pool has */
/* Atomic, read unlocked (sim.h statistics): */
static size_t nr_handles, nr_sections;
/* Bit b set iff bucket b holds a handle; changed under remote_lock, read
 * without it so that an unregistered handle costs no lock. */
static uint64_t remote_buckets;

/* (simulator) Every live device, for sim.h's lookups by id and for fork. */
static pthread_mutex_t devices_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(, kcov) devices = LIST_HEAD_INITIALIZER(devices);
static uint64_t next_id = 1;			/* devices_lock */
static int nr_devices;				/* atomic */

/* kcov->lock of the kernel: process-shared, never taken in a hook. */
static __always_inline notrace void kcov_lock(struct kcov *kcov)
{
	ksim_shared_lock(kcov->shared);
}

static __always_inline notrace void kcov_unlock(struct kcov *kcov)
{
	ksim_shared_unlock(kcov->shared);
}

#define kcov_lockdep_assert_held(kcov)	lockdep_assert_held(&(kcov)->shared->lock)

static notrace unsigned int hash_handle(uint64_t handle)
{
	return (unsigned int)((handle * 0x9E3779B97F4A7C15ull) >> 58);
}

/* Caller holds remote_lock. */
static notrace struct kcov_remote *kcov_remote_find(uint64_t handle)
{
	struct kcov_remote *remote;

	lockdep_assert_held(&remote_lock);
	LIST_FOREACH(remote, &remote_map[hash_handle(handle)], link)
		if (remote->handle == handle)
			return remote;
	return NULL;
}

/* Caller holds remote_lock. 0, -EEXIST or -ENOMEM. */
static notrace int kcov_remote_add(struct kcov *kcov, uint64_t handle)
{
	struct kcov_remote *remote;

	if (kcov_remote_find(handle))
		return -EEXIST;
	remote = ksim_malloc(sizeof(*remote));
	if (!remote)
		return -ENOMEM;
	remote->handle = handle;
	remote->kcov = kcov;
	LIST_INSERT_HEAD(&remote_map[hash_handle(handle)], remote, link);
	atomic_or(&remote_buckets, 1ull << hash_handle(handle));
	kcov->nr_handles++;
	atomic_inc(&nr_handles);
	return 0;
}

/* Caller holds remote_lock. First fit by exact size, newest first. */
static notrace unsigned long *kcov_remote_area_get(size_t size, bool irq)
{
	struct kcov_remote_area *area;

	lockdep_assert_held(&remote_lock);
	LIST_FOREACH(area, &remote_areas[irq], link)
		if (area->size == size) {
			LIST_REMOVE(area, link);
			if (irq) {
				pool_stats.irq_pooled--;
			} else {
				pool_stats.pooled--;
				pool_stats.reuses++;
			}
			return (unsigned long *)area;
		}
	return NULL;
}

/* Caller holds remote_lock. The node scribbles words 0..2 of the buffer. */
static notrace void kcov_remote_area_put(unsigned long *buf, size_t size,
					 bool irq)
{
	struct kcov_remote_area *area = (struct kcov_remote_area *)buf;

	BUILD_BUG_ON(sizeof(*area) > 3 * sizeof(unsigned long));
	lockdep_assert_held(&remote_lock);
#ifndef NDEBUG
	/* One writer per area: a buffer in the pool twice gets two sections. */
	struct kcov_remote_area *pooled;

	LIST_FOREACH(pooled, &remote_areas[irq], link)
		assert(pooled != area);
#endif
	area->size = size;
	LIST_INSERT_HEAD(&remote_areas[irq], area, link);
	if (irq)
		pool_stats.irq_pooled++;
	else
		pool_stats.pooled++;
}

/*
 * in_softirq_really(), check_kcov_mode(), canonicalize_ip(), the hooks and
 * write_comp_data(): hooks.c.
 */

/* Publish buffer, size, device and sequence, then the mode (spec 3.5). */
static notrace void kcov_start(struct kcov_task *t, struct kcov *kcov,
			       uint32_t size, unsigned long *area,
			       enum kcov_mode mode, int sequence)
{
	t->kcov = kcov;
	t->kcov_size = size;
	t->kcov_cmp_room = size ? (size - 1) / KCOV_WORDS_PER_CMP : 0;
	t->kcov_area = area;
	t->kcov_sequence = sequence;
	/* Pairs with the barrier after the gate load in the hooks. */
	barrier();
	WRITE_ONCE(t->kcov_mode, mode);
}

/* The mode goes first, so a hook never sees a cleared area with a mode. */
static notrace void kcov_stop(struct kcov_task *t)
{
	WRITE_ONCE(t->kcov_mode, KCOV_MODE_DISABLED);
	barrier();
	t->kcov = NULL;
	t->kcov_size = 0;
	t->kcov_cmp_room = 0;
	t->kcov_area = NULL;
}

/* P-2025 also forgets the common handle; P-2026 keeps it (spec 2.8). */
static notrace void kcov_task_reset(struct kcov_task *t)
{
	kcov_stop(t);
	t->kcov_sequence = 0;
	if (!(ksim_profile & KSIM_P_REMOTE_SPLIT))
		t->kcov_handle = 0;
}

/*
 * kcov_task_init() for a forked child's only thread (spec 3.2): collection
 * off, kcov_handle kept as dup_task_struct() copies it. A disabled task in
 * task context is already that: its page is left alone (a fork-server
 * parent never enables, and the child need not write the page).
 */
notrace void kcov_task_init(struct kcov_task *t)
{
	uint64_t handle = t->kcov_handle;
	bool armed = t->armed;

	t->pid = 0;		/* a page the kernel has just written */
	if (!t->gate && !t->kcov && !t->kcov_remote && !t->kcov_softirq &&
	    !t->in_section && !t->bh_cnt && !t->saved.kcov)
		return;
	memset(t, 0, offsetof(struct kcov_task, irq_area));
	t->kcov_handle = handle;	/* inherited, as dup_task_struct() does */
	t->armed = armed;		/* fork() keeps the thread's key values */
	ksim_ctx_update(t);
}

/* Back to INIT; the sequence bump voids running sections (spec 2.8, 5.10).
 * Caller holds kcov->lock (and remote_lock for a remote device). */
static notrace void kcov_reset(struct kcov *kcov)
{
	kcov_lockdep_assert_held(kcov);
	kcov->t = NULL;
	kcov->mode = KCOV_MODE_INIT;
	kcov->remote = false;
	kcov->remote_size = 0;
	kcov->shared->sequence++;
	kcov->shared->owner_mode = 0;	/* (simulator) nothing for an exec */
}

/*
 * Unregister every handle of @kcov and reset it, both under remote_lock so
 * that a racing kcov_remote_start() sees the handle and the old sequence or
 * no handle at all (spec 2.8). Caller holds kcov->lock.
 */
static notrace void kcov_remote_reset(struct kcov *kcov)
{
	struct kcov_remote *remote, *tmp;
	unsigned int bkt;

	pthread_mutex_lock(&remote_lock);
	for (bkt = 0; kcov->nr_handles && bkt < KCOV_REMOTE_BUCKETS; bkt++)
		LIST_FOREACH_SAFE(remote, &remote_map[bkt], link, tmp) {
			if (remote->kcov != kcov)
				continue;
			LIST_REMOVE(remote, link);
			free(remote);
			if (LIST_EMPTY(&remote_map[bkt]))
				atomic_andnot(&remote_buckets, 1ull << bkt);
			kcov->nr_handles--;
			atomic_dec(&nr_handles);
		}
	kcov_reset(kcov);
	pthread_mutex_unlock(&remote_lock);
}

/*
 * Detach the owner @t (DISABLE, owner exit, REMOTE_ENABLE rollback; always
 * on @t's thread). Caller holds kcov->lock and drops the task's reference.
 */
static notrace void kcov_disable(struct kcov_task *t, struct kcov *kcov)
{
	if (t->kcov_remote == kcov) {
		/* P-2026: the remote owner's own coverage goes on. */
		t->kcov_remote = NULL;
		t->kcov_handle = 0;
	} else {
		kcov_task_reset(t);
	}
	if (kcov->remote)
		kcov_remote_reset(kcov);
	else
		kcov_reset(kcov);
	ksim_shared_unclaim(kcov->shared);	/* (simulator) see owner_claim() */
}

notrace void kcov_get(struct kcov *kcov)
{
	int old = __atomic_fetch_add(&kcov->refcount, 1, __ATOMIC_RELAXED);

	assert(old > 0);	/* nobody takes a reference from nothing */
	(void)old;
}

/* (simulator) Removes @kcov from the list of live devices. */
static notrace void devices_del(struct kcov *kcov);

notrace void kcov_put(struct kcov *kcov)
{
	assert(READ_ONCE(kcov->refcount) > 0);
	if (!atomic_dec_and_test(&kcov->refcount))
		return;
	devices_del(kcov);
	/* Handles left only if an owner leaked its reference (spec 2.9). */
	kcov_lock(kcov);
	if (kcov->remote)
		kcov_remote_reset(kcov);
	kcov_unlock(kcov);
	ksim_buf_free(kcov->area, kcov->map_len);
	ksim_shared_unmap(kcov->shared);
	free(kcov);
}

/* (simulator) Ends the sections @t exits inside; see below. */
static notrace void section_abandon(struct kcov_task *t);

/*
 * kcov_task_exit() (spec 3.3): the thread's exit detaches it from its
 * device like KCOV_DISABLE, whatever context it exits in. A thread inside
 * a remote section is the kernel's "kthread exits inside a section": WARN
 * and leak the section's reference, as the kernel does. Only a simulated
 * thread can exit inside a softirq; that section ends first, so that the
 * interrupted state it saved - the thread's own device - comes back and
 * is detached as well. The WARN comes after any unlock: the handler may
 * call back into the library (sim.h promises no lock is held).
 */
static notrace void kcov_task_exit(struct kcov_task *t)
{
	struct kcov *kcov;
	bool owner;
	int i;

	section_abandon(t);
	/* The local (or P-2025 remote) device, then P-2026's remote one. */
	for (i = 0; i < 2; i++) {
		kcov = i ? t->kcov_remote : t->kcov;
		if (!kcov)
			continue;
		kcov_lock(kcov);
		owner = kcov->t == t;
		if (owner)
			kcov_disable(t, kcov);
		kcov_unlock(kcov);
		if (WARN_ON(!owner))	/* unreachable: sections ended above */
			return;
		ksim_record_flush();
		kcov_put(kcov);		/* taken at (REMOTE_)ENABLE */
	}
}

/*
 * (simulator) do_exit() calls kcov_task_exit(): a TLS destructor of the
 * threads that ever attached (armed at ENABLE, at INIT_TRACE for the
 * fork-server pattern, and when a section starts).
 */
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

static notrace void exit_destructor(void *arg)
{
	struct kcov_task *t = arg;

	t->armed = false;
	kcov_task_exit(t);
}

static notrace void exit_key_create(void)
{
	if (pthread_key_create(&exit_key, exit_destructor))
		abort();	/* PTHREAD_KEYS_MAX used up at load time */
}

static notrace void kcov_task_arm(struct kcov_task *t)
{
	if (t->armed)
		return;
	pthread_once(&exit_key_once, exit_key_create);
	pthread_setspecific(exit_key, t);
	t->armed = true;
}

/* Now, not in each fork-server child's first KCOV_ENABLE. */
__attribute__((constructor)) static notrace void exit_key_init(void)
{
	pthread_once(&exit_key_once, exit_key_create);
}

/*
 * (simulator) Ownership across fork(). One process is one simulated kernel
 * (DESIGN 4), but after fork() parent and child share the open file, which
 * on Linux is one struct kcov. Who owns it is shared (buf.c's owner mutex);
 * the rest of each process's copy follows it here.
 */

/* Become the owner in every process's eyes, or -EINVAL. Caller holds lock. */
static notrace int owner_claim(struct kcov *kcov)
{
	int ret = ksim_shared_claim(kcov->shared);

	if (!ret)
		WRITE_ONCE(kcov->owner_pid, ksim_getpid());
	return ret;
}

/*
 * A forked copy names an owner of another process. Once that owner has
 * disabled or exited, the device is INIT for everyone: forget it here too,
 * with its handles and its task reference (never the last: the caller's
 * file or section holds one). Caller holds kcov->lock.
 */
static notrace void owner_forget(struct kcov *kcov)
{
	kcov_lockdep_assert_held(kcov);
	if (!kcov->t || kcov->owner_pid == ksim_getpid() || owner_claim(kcov))
		return;
	ksim_shared_unclaim(kcov->shared);
	if (kcov->remote)
		kcov_remote_reset(kcov);
	else
		kcov_reset(kcov);
	atomic_dec(&kcov->refcount);
}

/*
 * KCOV_INIT_TRACE done by another process since our fork(): the one struct
 * kcov of Linux would be INIT here too, so map our own view of the sized
 * memfd and be INIT. Caller holds kcov->lock.
 */
static notrace int init_adopt(struct kcov *kcov, int fd)
{
	uint32_t size;
	int ret;

	kcov_lockdep_assert_held(kcov);
	if (kcov->mode != KCOV_MODE_DISABLED)
		return 0;
	size = ksim_shared_size(kcov->shared);
	if (!size)
		return 0;	/* nothing to adopt */
	/* Out of memory for our view: the call that needed it says so (not
	 * the EINVAL of a DISABLED device); the next call tries again. */
	ret = ksim_buf_map(fd, size, &kcov->area, &kcov->map_len);
	if (ret)
		return ret;
	kcov->size = size;
	kcov->mode = KCOV_MODE_INIT;
	return 0;
}

/*
 * kcov_mmap(): the buffer exists, the offset is 0 and the page-rounded
 * length is the buffer's. The generic checks ran before (vfs.c) and the
 * mapping itself is made there, of the memfd, with the caller's flags.
 */
notrace int kcov_mmap(struct kcov *kcov, int fd, size_t len, off_t off)
{
	int ret = 0;

	kcov_lock(kcov);
	ret = init_adopt(kcov, fd);
	if (!ret && (!kcov->area || off != 0 || page_round(len) != kcov->map_len ||
		     kcov->map_len != (size_t)kcov->size * sizeof(unsigned long)))
		ret = -EINVAL;
	kcov_unlock(kcov);
	return ret;
}

/* (simulator) Adds @kcov to the list of live devices. */
static notrace void devices_add(struct kcov *kcov);
/* (simulator) kcov_init()'s IRQ pool, at the first open of a pool profile. */
static notrace int irq_pool_fill(void);

/*
 * open(): a zeroed device, mode DISABLED, sequence 1, refcount 1 (the
 * file's), in the new memfd @fd (buf.c made it).
 */
notrace int kcov_open(int fd, struct kcov **out)
{
	struct kcov *kcov;
	int ret = irq_pool_fill();

	if (ret)
		return ret;
	kcov = ksim_calloc(1, sizeof(*kcov));
	if (!kcov)
		return -ENOMEM;
	kcov->shared = ksim_shared_map(fd, true);	/* sequence 1 */
	if (!kcov->shared) {
		free(kcov);
		return -ENOMEM;
	}
	kcov->mode = KCOV_MODE_DISABLED;
	kcov->refcount = 1;	/* the file's; put in kcov_close() */
	devices_add(kcov);
	*out = kcov;
	return 0;
}

/* release(): the file's last fd and mapping are gone (vfs.c). */
notrace void kcov_close(struct kcov *kcov)
{
	kcov_put(kcov);
}

/*
 * The trace mode of a user argument (spec 2.5 #3): 0 PC, 1 CMP, else
 * EINVAL. CMP is ENOTSUPP when configured off, or when the comparison
 * hooks instrumented code calls are not ours (DESIGN 6, @hooks_ours).
 */
static notrace int kcov_get_mode(unsigned long arg, bool hooks_ours)
{
	if (arg == KCOV_TRACE_PC)
		return KCOV_MODE_TRACE_PC;
	if (arg != KCOV_TRACE_CMP)
		return -EINVAL;
	if (!READ_ONCE(ksim_cmp_supported) || !hooks_ours)
		return -ENOTSUPP;
	return KCOV_MODE_TRACE_CMP;
}

/*
 * Whether the hooks the process calls are ours: asked before taking
 * kcov->lock, as it may ask the dynamic loader. Shadowed comparison hooks
 * make KCOV_TRACE_CMP fail (DESIGN 6); a shadowed trace_pc only warns.
 */
static notrace bool kcov_hooks_ours(unsigned long trace_mode)
{
	if (trace_mode == KCOV_TRACE_CMP)
		return ksim_cmp_hooks_ours();
	if (trace_mode == KCOV_TRACE_PC)
		ksim_pc_hook_ours();
	return true;
}

/* kcov_fault_in_area(): none. A page fault in a hook is harmless here. */

/* Spec 5.1. */
static notrace bool kcov_check_handle(uint64_t handle, bool common_valid,
				      bool uncommon_valid, bool zero_valid)
{
	if (handle & ~(KCOV_SUBSYSTEM_MASK | KCOV_INSTANCE_MASK))
		return false;
	switch (handle & KCOV_SUBSYSTEM_MASK) {
	case KCOV_SUBSYSTEM_COMMON:
		return (handle & KCOV_INSTANCE_MASK) ? common_valid : zero_valid;
	case KCOV_SUBSYSTEM_USB:
		return uncommon_valid;
	default:
		return false;
	}
}

/*
 * What KCOV_ENABLE and KCOV_REMOTE_ENABLE check first, in the kernel's
 * order (spec 2.5, 5.2 steps 5-7): the device INIT - in every process,
 * which claiming it from all of them tells - neither it nor the caller
 * attached, a valid mode. The mode (the claim held) or -errno (not).
 * Caller holds kcov->lock.
 */
static notrace int kcov_enable_check(struct kcov *kcov, struct kcov_task *t,
				     unsigned long trace_mode, bool hooks_ours,
				     bool remote)
{
	struct kcov *held;
	int mode;

	kcov_lockdep_assert_held(kcov);
	owner_forget(kcov);
	if (kcov->mode != KCOV_MODE_INIT || !kcov->area)
		return -EINVAL;
	/* Enabled by a task of another process since our fork(): Linux's one
	 * struct kcov is not INIT then, so EINVAL comes before EBUSY. */
	if (owner_claim(kcov))
		return -EINVAL;
	/* P-2025: one device a task, local or remote; P-2026: one of each. */
	held = remote && (ksim_profile & KSIM_P_REMOTE_SPLIT) ? t->kcov_remote
							      : t->kcov;
	mode = kcov->t || held ? -EBUSY : kcov_get_mode(trace_mode, hooks_ours);
	if (mode < 0)
		ksim_shared_unclaim(kcov->shared);
	return mode;
}

/* KCOV_REMOTE_ENABLE steps 10-11: register the handles (both locks held). */
static notrace int kcov_remote_add_all(struct kcov *kcov, struct kcov_task *t,
				       const struct kcov_remote_arg *arg)
{
	unsigned int i;
	int ret;

	for (i = 0; i < arg->num_handles; i++) {
		if (!kcov_check_handle(arg->handles[i], false, true, false))
			return -EINVAL;
		ret = kcov_remote_add(kcov, arg->handles[i]);
		if (ret)
			return ret;
	}
	if (arg->common_handle) {
		if (!kcov_check_handle(arg->common_handle, true, false, false))
			return -EINVAL;
		ret = kcov_remote_add(kcov, arg->common_handle);
		if (ret)
			return ret;
		t->kcov_handle = arg->common_handle;
	}
	return 0;
}

/*
 * (simulator) What an execve() of the owner's process needs to attach its
 * task again (exec.c): the mode, and for a remote device its handles.
 * Caller holds kcov->lock.
 */
static notrace void exec_note(struct kcov *kcov, const struct kcov_remote_arg *arg)
{
	struct kcov_shared *sh = kcov->shared;

	sh->owner_remote = arg != NULL;
	sh->remote_size = arg ? arg->area_size : 0;
	sh->nr_handles = arg ? arg->num_handles : 0;
	sh->common_handle = arg ? arg->common_handle : 0;
	if (arg)
		memcpy(sh->handles, arg->handles,
		       arg->num_handles * sizeof(arg->handles[0]));
	sh->owner_mode = kcov->mode;
}

/*
 * The ioctls that run under kcov->lock. @arg is the copied
 * kcov_remote_arg for KCOV_REMOTE_ENABLE. Caller holds kcov->lock; on a
 * successful DISABLE it drops the task's reference.
 */
static notrace int kcov_ioctl_locked(struct kcov *kcov, unsigned int cmd,
				     unsigned long arg, bool hooks_ours)
{
	struct kcov_task *t = &ksim_current;
	struct kcov_remote_arg *remote_arg;
	int mode, ret;

	switch (cmd) {
	case KCOV_ENABLE:
		mode = kcov_enable_check(kcov, t, arg, hooks_ours, false);
		if (mode < 0)
			return mode;
		/* One writer per area (DESIGN 7): its owner, nobody else. */
		assert(!kcov->t && !t->kcov);
		kcov->mode = mode;
		kcov->t = t;
		kcov_start(t, kcov, kcov->size, kcov->area, mode,
			   kcov->shared->sequence);
		kcov_get(kcov);		/* put in KCOV_DISABLE or kcov_task_exit() */
		kcov_task_arm(t);
		exec_note(kcov, NULL);
		return 0;
	case KCOV_DISABLE:
		if (arg != 0 || (t->kcov != kcov && t->kcov_remote != kcov))
			return -EINVAL;
		if (WARN_ON(kcov->t != t))
			return -EINVAL;
		kcov_disable(t, kcov);
		return 0;
	case KCOV_REMOTE_ENABLE:
		remote_arg = (struct kcov_remote_arg *)arg;
		mode = kcov_enable_check(kcov, t, remote_arg->trace_mode,
					 hooks_ours, true);
		if (mode < 0)
			return mode;
		/* Step 8, area_size > LONG_MAX / 8, cannot fire for a u32. */
		BUILD_BUG_ON(UINT32_MAX > LONG_MAX / sizeof(unsigned long));
		kcov->mode = mode;
		kcov->t = t;
		kcov->remote = true;
		kcov->remote_size = remote_arg->area_size;
		/* P-2025: the owner is wired to the device in a mode no hook
		 * matches; P-2026 tracks it apart and leaves the mode alone. */
		if (ksim_profile & KSIM_P_REMOTE_SPLIT) {
			t->kcov_remote = kcov;
		} else {
			t->kcov = kcov;
			WRITE_ONCE(t->kcov_mode, KCOV_MODE_REMOTE);
		}
		pthread_mutex_lock(&remote_lock);
		ret = kcov_remote_add_all(kcov, t, remote_arg);
		pthread_mutex_unlock(&remote_lock);
		if (ret) {
			/* Roll back to INIT: handles removed, kcov_handle 0. */
			kcov_disable(t, kcov);
			return ret;
		}
		kcov_get(kcov);		/* put in KCOV_DISABLE or kcov_task_exit() */
		kcov_task_arm(t);
		exec_note(kcov, remote_arg);
		return 0;
	default:
		return -ENOTTY;
	}
}

/* KCOV_INIT_TRACE (spec 2.3). */
static notrace int kcov_init_trace(struct kcov *kcov, int fd, unsigned long size)
{
	int ret = -EBUSY;

	/* Range first: a second INIT with a bad size is EINVAL. */
	if (size < 2 || size > KCOV_INIT_MAX)
		return -EINVAL;
	if (over_alloc_limit(size * sizeof(unsigned long)))
		return -ENOMEM;
	kcov_lock(kcov);
	if (init_adopt(kcov, fd)) {
		kcov_unlock(kcov);
		return -ENOMEM;
	}
	/* Unlike the kernel we allocate under the lock: the memfd is shared,
	 * so a throw-away allocation would resize the live buffer. The
	 * shared word makes the INIT of two processes one after the other. */
	if (kcov->mode == KCOV_MODE_DISABLED &&
	    ksim_shared_init_begin(kcov->shared)) {
		ret = ksim_buf_alloc(fd, (uint32_t)size, &kcov->area,
				     &kcov->map_len);
		if (!ret) {
			kcov->size = (uint32_t)size;
			kcov->mode = KCOV_MODE_INIT;
		}
		ksim_shared_init_end(kcov->shared, ret ? 0 : (uint32_t)size);
	}
	kcov_unlock(kcov);
	if (!ret) {
		/* The fork-server parent works out now, once, what each
		 * child's first ENABLE would: the hook verdicts, the owner
		 * mutex's code, the thread's exit destructor. */
		ksim_hooks_warm();
		ksim_shared_warm(kcov->shared);
		kcov_task_arm(&ksim_current);
	}
	return ret;
}

/* KCOV_REMOTE_ENABLE: prepare unlocked, then the locked part (spec 5.2). */
static notrace int kcov_remote_enable(struct kcov *kcov, int fd, unsigned long uarg)
{
	struct kcov_remote_arg *arg;
	uint32_t num_handles;
	bool hooks_ours;
	size_t len;
	int ret;

	/* Read the count, copy, then re-check it (TOCTOU, spec 6.2 #10). */
	ret = ksim_copy_from_user(&num_handles,
			uarg + offsetof(struct kcov_remote_arg, num_handles),
			sizeof(num_handles));
	if (ret)
		return ret;
	if (num_handles > KCOV_REMOTE_MAX_HANDLES)
		return -EINVAL;
	len = sizeof(*arg) + num_handles * sizeof(arg->handles[0]);
	arg = ksim_malloc(len);
	if (!arg)
		return -ENOMEM;
	ret = ksim_copy_from_user(arg, uarg, len);
	if (!ret && arg->num_handles != num_handles)
		ret = -EINVAL;
	if (!ret) {
		hooks_ours = kcov_hooks_ours(arg->trace_mode);
		kcov_lock(kcov);
		ret = init_adopt(kcov, fd);
		if (!ret)
			ret = kcov_ioctl_locked(kcov, KCOV_REMOTE_ENABLE,
						(unsigned long)arg, hooks_ours);
		kcov_unlock(kcov);
	}
	free(arg);
	return ret;
}

/*
 * ioctl() of a kcov file; @fd is its memfd. 0 or -errno. The syscall's
 * cmd is an unsigned int: higher bits never arrive.
 */
notrace int kcov_ioctl(struct kcov *kcov, int fd, unsigned int cmd,
		       unsigned long arg)
{
	bool hooks_ours = true;
	int ret;

	switch (cmd) {
	case KCOV_INIT_TRACE:
		return kcov_init_trace(kcov, fd, arg);
	case KCOV_REMOTE_ENABLE:
		return kcov_remote_enable(kcov, fd, arg);
	case KCOV_ENABLE:
		hooks_ours = kcov_hooks_ours(arg);
		/* fallthrough */
	default:
		kcov_lock(kcov);
		ret = init_adopt(kcov, fd);
		if (!ret)
			ret = kcov_ioctl_locked(kcov, cmd, arg, hooks_ours);
		kcov_unlock(kcov);
		if (cmd == KCOV_DISABLE && !ret) {
			ksim_record_flush();
			kcov_put(kcov);	/* taken by (REMOTE_)ENABLE */
		}
		return ret;
	}
}

static notrace bool kcov_mode_enabled(uint32_t mode)
{
	return (mode & ~KCOV_IN_CTXSW) != KCOV_MODE_DISABLED;
}

/* The interrupted task's own coverage pauses for a softirq section. */
static notrace void kcov_remote_softirq_start(struct kcov_task *t)
{
	uint32_t mode = READ_ONCE(t->kcov_mode);

	barrier();
	if (kcov_mode_enabled(mode)) {
		t->saved.mode = mode;
		t->saved.size = t->kcov_size;
		t->saved.area = t->kcov_area;
		t->saved.sequence = t->kcov_sequence;
		t->saved.kcov = t->kcov;
		kcov_stop(t);
	}
}

static notrace void kcov_remote_softirq_stop(struct kcov_task *t)
{
	if (t->saved.kcov) {
		kcov_start(t, t->saved.kcov, t->saved.size, t->saved.area,
			   t->saved.mode, t->saved.sequence);
		memset(&t->saved, 0, sizeof(t->saved));
	}
}

/* (simulator) A fresh task section buffer, not zeroed, or NULL: size 0
 * fails like vmalloc(0), and so does a size vmalloc could not give (buf.c). */
static notrace unsigned long *section_alloc(size_t size)
{
	unsigned long *area = ksim_section_alloc(size);

	if (area) {
		pthread_mutex_lock(&remote_lock);
		pool_stats.allocs++;
		pthread_mutex_unlock(&remote_lock);
	}
	return area;
}

/* (simulator) This "CPU"'s softirq buffer: per CPU and preallocated in
 * P-2025, so per thread here, mapped on first use. */
static notrace unsigned long *irq_area(struct kcov_task *t)
{
	void *p;

	if (!t->irq_area) {
		p = ksim_libc_mmap(NULL, KCOV_IRQ_AREA_SIZE * sizeof(unsigned long),
				   PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (IS_ERR_VALUE(p))
			return NULL;
		t->irq_area = p;
		kcov_task_arm(t);	/* freed in section_abandon() */
	}
	return t->irq_area;
}

/*
 * (simulator) In a forked child, the handle table is the copy made at
 * fork(): whether the owner (in another process) still holds the device
 * decides if the handle is still registered, as it would be in Linux's
 * one table.
 */
static notrace bool remote_owner_holds(struct kcov *kcov)
{
	bool holds;

	if (likely(READ_ONCE(kcov->owner_pid) == ksim_getpid()))
		return true;
	kcov_lock(kcov);
	owner_forget(kcov);
	holds = kcov->remote;
	kcov_unlock(kcov);
	return holds;
}

/* Section start once the handle may be registered; out of line so that
 * kcov_remote_start() itself needs no stack frame. */
static __noinline notrace void kcov_remote_start_found(struct kcov_task *t,
						       uint64_t handle, bool in_task)
{
	struct kcov_remote *remote;
	unsigned long *area = NULL;
	struct kcov *kcov;
	enum kcov_mode mode;
	uint32_t size;
	int sequence;

	pthread_mutex_lock(&remote_lock);
	remote = kcov_remote_find(handle);
	if (!remote) {
		pthread_mutex_unlock(&remote_lock);
		return;
	}
	kcov = remote->kcov;
	/* Taken under remote_lock (spec 6.2 #6); put in kcov_remote_stop(). */
	kcov_get(kcov);
	/* Read before the unlock: resets of remote devices hold remote_lock. */
	mode = kcov->mode;
	sequence = READ_ONCE(kcov->shared->sequence);
	if (in_task) {
		size = kcov->remote_size;
		area = kcov_remote_area_get(size, false);
	} else {
		size = KCOV_IRQ_AREA_SIZE;
		/* The pool profiles: no allocation in a softirq; an empty
		 * pool means no section (case 104). */
		if (ksim_profile & KSIM_P_IRQ_POOL) {
			area = kcov_remote_area_get(size, true);
			pool_stats.irq_empty += !area;
		}
	}
	pthread_mutex_unlock(&remote_lock);

	if (unlikely(!remote_owner_holds(kcov))) {
		if (area) {
			pthread_mutex_lock(&remote_lock);
			kcov_remote_area_put(area, size, !in_task);
			pthread_mutex_unlock(&remote_lock);
		}
		kcov_put(kcov);
		return;
	}
	if (!area)
		area = in_task ? section_alloc(size) :
		       !(ksim_profile & KSIM_P_IRQ_POOL) ? irq_area(t) : NULL;
	if (!area) {
		kcov_put(kcov);
		return;
	}
	/* Reset coverage size. */
	WRITE_ONCE(area[0], 0);
	if (in_task) {
		t->in_section = true;
		kcov_task_arm(t);	/* exit inside a section must WARN */
	} else {
		kcov_remote_softirq_start(t);
		t->kcov_softirq = 1;
		ksim_ctx_update(t);
	}
	atomic_inc(&nr_sections);
	kcov_start(t, kcov, size, area, mode, sequence);
}

KCOV_SIM_API notrace void kcov_remote_start(uint64_t handle)
{
	struct kcov_task *t = &ksim_current;
	bool in_task;

	if (WARN(!kcov_check_handle(handle, true, true, true),
		 "kcov_remote_start: invalid handle"))
		return;
	in_task = ksim_in_task(t);
	if (!in_task && !ksim_in_softirq_really(t))
		return;
	/* Nested section, or a task with coverage of its own (spec 5.12). */
	if (WARN(in_task && kcov_mode_enabled(READ_ONCE(t->kcov_mode)),
		 "kcov_remote_start: task already has coverage enabled"))
		return;
	if (WARN(!in_task && t->kcov_softirq,
		 "kcov_remote_start: nested softirq section"))
		return;
	/* The common case: nobody collects this handle. No lock. */
	if (!(smp_load_acquire(&remote_buckets) & (1ull << hash_handle(handle))))
		return;
	kcov_remote_start_found(t, handle, in_task);
}

/* Append a section's entries to the user buffer. Caller holds kcov->lock. */
static notrace void kcov_move_area(enum kcov_mode mode, unsigned long *dst_area,
				   size_t dst_area_size, unsigned long *src_area)
{
	uint64_t word_size = sizeof(unsigned long), count_size, entry_size;
	uint64_t dst_occupied, dst_free, bytes_to_move, entries_moved;
	uint64_t dst_len, src_len;
	void *dst_entries, *src_entries;

	switch (mode) {
	case KCOV_MODE_TRACE_PC:
		dst_len = READ_ONCE(dst_area[0]);
		src_len = src_area[0];
		count_size = sizeof(unsigned long);
		entry_size = sizeof(unsigned long);
		break;
	case KCOV_MODE_TRACE_CMP:
		dst_len = READ_ONCE(dst_area[0]);
		src_len = src_area[0];
		count_size = sizeof(uint64_t);
		BUILD_BUG_ON(KCOV_WORDS_PER_CMP * sizeof(uint64_t) != 32);
		entry_size = sizeof(uint64_t) * KCOV_WORDS_PER_CMP;
		break;
	default:
		WARN_ON(1);
		return;
	}
	/* A user-written count beyond capacity: copy nothing. */
	if (dst_len > (dst_area_size * word_size - count_size) / entry_size)
		return;
	dst_occupied = count_size + dst_len * entry_size;
	dst_free = dst_area_size * word_size - dst_occupied;
	bytes_to_move = src_len * entry_size;
	if (bytes_to_move > dst_free)
		bytes_to_move = dst_free;
	dst_entries = (char *)dst_area + dst_occupied;
	src_entries = (char *)src_area + count_size;
	/* May end with a partial CMP record that the count leaves out. */
	memcpy(dst_entries, src_entries, bytes_to_move);
	entries_moved = bytes_to_move / entry_size;
	/* Entries before the count; readers load it with acquire (6.2 #19). */
	smp_store_release(&dst_area[0], dst_len + entries_moved);
}

static __noinline notrace void kcov_remote_stop_section(struct kcov_task *t,
							bool softirq)
{
	unsigned long *area;
	struct kcov *kcov;
	uint32_t size;
	int sequence;

	/* The enabled mode belongs to the interrupted task, not to us. */
	if (softirq && !t->kcov_softirq)
		return;
	if (WARN_ON(!softirq && t->kcov_softirq))
		return;
	/* The kernel would tear down the task's own coverage here (5.12). */
	if (WARN(!softirq && !t->in_section,
		 "kcov_remote_stop: no section (task has coverage of its own)"))
		return;

	kcov = t->kcov;
	area = t->kcov_area;
	size = t->kcov_size;
	sequence = t->kcov_sequence;
	kcov_stop(t);
	if (softirq) {
		t->kcov_softirq = 0;
		ksim_ctx_update(t);
		kcov_remote_softirq_stop(t);
	} else {
		t->in_section = false;
	}

	kcov_lock(kcov);
	/* A DISABLE since the start bumped the sequence: drop (spec 5.10). */
	if (sequence == kcov->shared->sequence && kcov->remote)
		kcov_move_area(kcov->mode, kcov->area, kcov->size, area);
	kcov_unlock(kcov);

	/* P-2025's softirq buffer is this "CPU"'s own and stays. */
	if (!softirq || (ksim_profile & KSIM_P_IRQ_POOL)) {
		pthread_mutex_lock(&remote_lock);
		kcov_remote_area_put(area, size, softirq);
		pthread_mutex_unlock(&remote_lock);
	}
	/* Counted until its data is in place: 0 means every copy is done. */
	atomic_dec(&nr_sections);
	kcov_put(kcov);		/* taken in kcov_remote_start() */
}

KCOV_SIM_API notrace void kcov_remote_stop(void)
{
	struct kcov_task *t = &ksim_current;

	if (!ksim_in_task(t) && !ksim_in_softirq_really(t))
		return;
	if (!kcov_mode_enabled(READ_ONCE(t->kcov_mode)))
		return;
	kcov_remote_stop_section(t, t->softirq_cnt != 0);
}

KCOV_SIM_API notrace uint64_t kcov_common_handle(void)
{
	struct kcov_task *t = &ksim_current;

	return ksim_in_task(t) ? t->kcov_handle : 0;
}

/*
 * (simulator) The sections a thread exits inside (spec 3.3, 5.12): each is
 * a kernel WARN, and its device reference is leaked, as the kernel does
 * (visibly in the refcount); the buffer goes back to the pool, so nothing
 * else is lost. A softirq section ends first and gives back the state it
 * interrupted. Then this "CPU"'s softirq buffer is freed.
 */
static notrace void section_abandon(struct kcov_task *t)
{
	unsigned long *area;
	uint32_t size;

	if (t->kcov_softirq) {
		area = t->kcov_area;
		size = t->kcov_size;
		kcov_stop(t);
		t->kcov_softirq = 0;
		ksim_ctx_update(t);
		kcov_remote_softirq_stop(t);
		if (area && (ksim_profile & KSIM_P_IRQ_POOL)) {
			pthread_mutex_lock(&remote_lock);
			kcov_remote_area_put(area, size, true);
			pthread_mutex_unlock(&remote_lock);
		}
		atomic_dec(&nr_sections);
		WARN(1, "task exits inside a softirq remote section");
	}
	if (t->in_section) {
		area = t->kcov_area;
		size = t->kcov_size;
		kcov_stop(t);
		t->in_section = false;
		if (area) {
			pthread_mutex_lock(&remote_lock);
			kcov_remote_area_put(area, size, false);
			pthread_mutex_unlock(&remote_lock);
		}
		atomic_dec(&nr_sections);
		WARN(1, "task exits inside a remote section");
	}
	if (t->irq_area) {
		ksim_libc_munmap(t->irq_area,
				 KCOV_IRQ_AREA_SIZE * sizeof(unsigned long));
		t->irq_area = NULL;
	}
}

/* ---- include/linux/kcov.h's inline helpers (spec 5.11) ----------------- */

/* kcov_remote_handle() of the uapi header, which cannot carry notrace. */
static notrace uint64_t remote_handle(uint64_t subsys, uint64_t inst)
{
	if (subsys & ~KCOV_SUBSYSTEM_MASK || inst & ~KCOV_INSTANCE_MASK)
		return 0;
	return subsys | inst;
}

KCOV_SIM_API notrace void kcov_remote_start_common(uint64_t id)
{
	kcov_remote_start(remote_handle(KCOV_SUBSYSTEM_COMMON, id));
}

KCOV_SIM_API notrace void kcov_remote_start_usb(uint64_t id)
{
	kcov_remote_start(remote_handle(KCOV_SUBSYSTEM_USB, id));
}

KCOV_SIM_API notrace void kcov_remote_start_usb_softirq(uint64_t id)
{
	struct kcov_task *t = &ksim_current;

	if (t->softirq_cnt && !t->hardirq_cnt)
		kcov_remote_start_usb(id);
}

KCOV_SIM_API notrace void kcov_remote_stop_softirq(void)
{
	struct kcov_task *t = &ksim_current;

	if (t->softirq_cnt && !t->hardirq_cnt)
		kcov_remote_stop();
}

/* ---- (simulator) the live devices, introspection, fork ----------------- */

static notrace void devices_add(struct kcov *kcov)
{
	pthread_mutex_lock(&devices_lock);
	kcov->id = next_id++;
	LIST_INSERT_HEAD(&devices, kcov, link);
	pthread_mutex_unlock(&devices_lock);
	atomic_inc(&nr_devices);
}

static notrace void devices_del(struct kcov *kcov)
{
	pthread_mutex_lock(&devices_lock);
	LIST_REMOVE(kcov, link);
	pthread_mutex_unlock(&devices_lock);
	atomic_dec(&nr_devices);
}

/* The live device @id with a reference, or NULL. */
notrace struct kcov *ksim_kcov_get_id(uint64_t id)
{
	struct kcov *kcov, *found = NULL;

	pthread_mutex_lock(&devices_lock);
	LIST_FOREACH(kcov, &devices, link)
		if (kcov->id == id && atomic_inc_not_zero(&kcov->refcount)) {
			found = kcov;
			break;
		}
	pthread_mutex_unlock(&devices_lock);
	return found;
}

/*
 * Forked copies that only an owner in another process kept alive are
 * dropped when something looks at them (owner_forget()); look at every one
 * now, smallest id first, so that the count does not depend on what the
 * caller happened to look at before.
 */
KCOV_SIM_API notrace int kcov_sim_device_count(void)
{
	uint64_t cursor = 0, next;
	struct kcov *kcov, *found;
	pid_t self = ksim_getpid();

	do {
		found = NULL;
		next = UINT64_MAX;
		pthread_mutex_lock(&devices_lock);
		LIST_FOREACH(kcov, &devices, link) {
			pid_t owner = READ_ONCE(kcov->owner_pid);

			if (owner && owner != self && kcov->id > cursor &&
			    kcov->id < next && READ_ONCE(kcov->refcount) > 0) {
				next = kcov->id;
				found = kcov;
			}
		}
		if (found && !atomic_inc_not_zero(&found->refcount))
			found = NULL;
		pthread_mutex_unlock(&devices_lock);
		if (found) {
			kcov_lock(found);
			owner_forget(found);
			kcov_unlock(found);
			kcov_put(found);
		}
		cursor = next;
	} while (next != UINT64_MAX);
	return READ_ONCE(nr_devices);
}

/* What sim.h shows of @kcov; @ours: references the caller holds. */
notrace void ksim_kcov_info(struct kcov *kcov, int ours,
			    struct kcov_sim_dev_info *info)
{
	kcov_lock(kcov);
	owner_forget(kcov);
	info->id = kcov->id;
	info->refcount = READ_ONCE(kcov->refcount) - ours;
	info->mode = (enum kcov_sim_mode)kcov->mode;
	info->size = kcov->size;
	info->sequence = kcov->shared->sequence;
	info->remote = kcov->remote;
	info->area = kcov->area;
	kcov_unlock(kcov);
	pthread_mutex_lock(&remote_lock);
	info->nr_handles = kcov->nr_handles;
	pthread_mutex_unlock(&remote_lock);
}

/* The first release of sim.h with sizes: 0.2. */
#define POOL_STATS_SIZE_0_2	(offsetof(struct kcov_sim_pool_stats, irq_empty) + \
				 sizeof(size_t))

KCOV_SIM_API notrace int kcov_sim_pool_stats(struct kcov_sim_pool_stats *st)
{
	struct kcov_sim_pool_stats ours;

	pthread_mutex_lock(&remote_lock);
	ours = pool_stats;
	pthread_mutex_unlock(&remote_lock);
	ours.handles = READ_ONCE(nr_handles);
	ours.sections = READ_ONCE(nr_sections);
	return ksim_out_struct(st, &ours, sizeof(ours), POOL_STATS_SIZE_0_2);
}

/*
 * fork.c's handlers, in its lock order: devices_lock, every kcov->lock,
 * remote_lock. In the child the other threads are gone and their locks may
 * be held for good: re-create them. Not kcov->lock: the child shares it
 * with the parent, whose handler releases it.
 */
notrace void ksim_kcov_fork(int when)
{
	struct kcov *kcov;

	if (when == KSIM_FORK_PREPARE) {
		pthread_mutex_lock(&devices_lock);
		LIST_FOREACH(kcov, &devices, link)
			kcov_lock(kcov);
		pthread_mutex_lock(&remote_lock);
		return;
	}
	ksim_fork_lock(&remote_lock, when);
	LIST_FOREACH(kcov, &devices, link)
		if (when == KSIM_FORK_PARENT)
			kcov_unlock(kcov);
		else
			ksim_shared_fork_child(kcov->shared);
	ksim_fork_lock(&devices_lock, when);
}

/* ---- (simulator) execve(): a new image takes its devices back ----------- */

/*
 * kcov_open()'s twin for a file that survived execve() (or was inherited
 * by another image): this image's struct kcov of the memfd @fd, INIT if
 * the buffer was sized, not owned by any task of this image yet.
 */
notrace int ksim_kcov_adopt(int fd, struct kcov **out)
{
	struct kcov *kcov = ksim_calloc(1, sizeof(*kcov));

	if (!kcov)
		return -ENOMEM;
	kcov->shared = ksim_shared_map(fd, false);
	if (!kcov->shared) {
		free(kcov);
		return -ENOTTY;		/* a memfd, but no kcov file's */
	}
	kcov->mode = KCOV_MODE_DISABLED;
	kcov->refcount = 1;	/* the file's */
	kcov_lock(kcov);
	(void)init_adopt(kcov, fd);	/* else at its first use */
	kcov_unlock(kcov);
	irq_pool_fill();
	devices_add(kcov);
	*out = kcov;
	return 0;
}

/*
 * The task that called execve() owned @kcov (exec.c knows it from the old
 * image); Linux keeps a task's KCOV state across execve, so this image's
 * task takes it back: the owner mutex (which the kernel marked "owner
 * died" at the exec), the mode, the remote handles, the common handle.
 */
notrace int ksim_kcov_exec_attach(struct kcov *kcov, uint64_t handle)
{
	struct kcov_task *t = &ksim_current;
	struct kcov_shared *sh = kcov->shared;
	struct kcov_remote_arg *arg = NULL;
	int ret = -EINVAL;
	uint32_t i;

	kcov_lock(kcov);
	if (kcov->mode != KCOV_MODE_INIT || !sh->owner_mode || owner_claim(kcov))
		goto out;
	if (sh->owner_remote) {
		arg = ksim_malloc(sizeof(*arg) + sh->nr_handles * sizeof(uint64_t));
		ret = -ENOMEM;
		if (!arg)
			goto out_unclaim;
		arg->trace_mode = sh->owner_mode == KCOV_MODE_TRACE_CMP;
		arg->area_size = sh->remote_size;
		arg->num_handles = sh->nr_handles;
		arg->common_handle = sh->common_handle;
		for (i = 0; i < sh->nr_handles; i++)
			arg->handles[i] = sh->handles[i];
		ksim_shared_unclaim(kcov->shared);	/* the ioctl claims it */
		ret = kcov_ioctl_locked(kcov, KCOV_REMOTE_ENABLE,
					(unsigned long)arg, true);
		free(arg);
	} else {
		ksim_shared_unclaim(kcov->shared);
		ret = kcov_ioctl_locked(kcov, KCOV_ENABLE,
					sh->owner_mode == KCOV_MODE_TRACE_CMP, true);
	}
	if (!ret && handle)
		t->kcov_handle = handle;	/* inherited, not registered here */
	goto out;
out_unclaim:
	ksim_shared_unclaim(kcov->shared);
out:
	kcov_unlock(kcov);
	return ret;
}

notrace void ksim_kcov_task_devices(struct kcov **local, struct kcov **remote)
{
	struct kcov_task *t = &ksim_current;
	struct kcov *k = t->in_section || t->kcov_softirq ? t->saved.kcov : t->kcov;

	if (t->in_section)	/* a section's device: the task owns none */
		k = NULL;
	*local = k && !k->remote && k->t == t ? k : NULL;
	*remote = k && k->remote && k->t == t ? k :
		  t->kcov_remote && t->kcov_remote->t == t ? t->kcov_remote : NULL;
}

/* ---- (simulator) profiles ------------------------------------------------ */

static const struct {
	const char	*name;
	unsigned int	rules;		/* KSIM_P_* */
} profiles[] = {
	{ "P-2025",	0 },
	{ "linux-6.1",	KSIM_P_IRQ_POOL },
	{ "linux-6.12",	KSIM_P_IRQ_POOL | KSIM_P_CMP_BOUND },
	{ "P-2026",	KSIM_P_IRQ_POOL | KSIM_P_CMP_BOUND | KSIM_P_REMOTE_SPLIT },
};

/*
 * kcov_init() fills the IRQ pool with one buffer per possible CPU; here
 * the first open of a pool profile does, as the profile is fixed from then
 * on. A buffer that cannot be had fails that open (-ENOMEM) rather than
 * leave the pool short for good; the next open tops it up.
 */
static notrace int irq_pool_fill(void)
{
	unsigned long *area;
	int ret = 0;

	if (!(ksim_profile & KSIM_P_IRQ_POOL) || READ_ONCE(irq_pool_filled))
		return 0;
	pthread_mutex_lock(&remote_lock);
	while (!irq_pool_filled && irq_pool_made < ksim_nr_cpus) {
		area = ksim_section_alloc(KCOV_IRQ_AREA_SIZE);
		if (!area) {
			ret = -ENOMEM;
			break;
		}
		kcov_remote_area_put(area, KCOV_IRQ_AREA_SIZE, true);
		irq_pool_made++;
	}
	if (!ret)
		WRITE_ONCE(irq_pool_filled, true);
	pthread_mutex_unlock(&remote_lock);
	return ret;
}

/* The pool of another profile or CPU count is not this one's. */
static notrace void irq_pool_drain(void)
{
	unsigned long *area;

	pthread_mutex_lock(&remote_lock);
	while ((area = kcov_remote_area_get(KCOV_IRQ_AREA_SIZE, true)))
		ksim_libc_munmap(area, KCOV_IRQ_AREA_SIZE * sizeof(unsigned long));
	irq_pool_made = 0;
	WRITE_ONCE(irq_pool_filled, false);
	pthread_mutex_unlock(&remote_lock);
}

KCOV_SIM_API notrace int kcov_sim_set_profile(const char *name)
{
	size_t i;

	for (i = 0; name && i < ARRAY_SIZE(profiles); i++)
		if (!strcmp(name, profiles[i].name))
			break;
	if (!name || i == ARRAY_SIZE(profiles))
		return -EINVAL;
	if (READ_ONCE(nr_devices))
		return -EBUSY;
	irq_pool_drain();
	WRITE_ONCE(ksim_profile, profiles[i].rules);
	return 0;
}

KCOV_SIM_API notrace const char *kcov_sim_get_profile(void)
{
	unsigned int rules = READ_ONCE(ksim_profile);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(profiles); i++)
		if (profiles[i].rules == rules)
			return profiles[i].name;
	return "?";
}

KCOV_SIM_API notrace int kcov_sim_set_nr_cpus(unsigned int n)
{
	if (!n)
		return -EINVAL;
	if (READ_ONCE(nr_devices))
		return -EBUSY;
	irq_pool_drain();
	WRITE_ONCE(ksim_nr_cpus, n);
	return 0;
}

/* Before exec.c's adoption, which needs the profile. */
__attribute__((constructor(101))) static notrace void profile_init(void)
{
	const char *env = getenv("KCOV_SIM_PROFILE");

	if (env && *env && kcov_sim_set_profile(env))
		fprintf(stderr, "kcov-sim: KCOV_SIM_PROFILE=%s: expected P-2025, "
			"linux-6.1, linux-6.12 or P-2026; keeping P-2025\n", env);
}
