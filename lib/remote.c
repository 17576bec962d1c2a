/* SPDX-License-Identifier: MIT */
/*
 * remote.c - remote coverage (spec section 5): KCOV_REMOTE_ENABLE, the global
 * handle table, the section buffer pool, kcov_remote_start()/stop(), softirq
 * save/restore and kcov_move_area().
 *
 * Lock order: kcov->lock -> remote_lock (spec 6.1). kcov_remote_start()
 * never takes a device lock; kcov_remote_stop() takes the device lock and
 * remote_lock one after the other, never nested. Resets of remote devices
 * run under both, so a start that finds a handle under remote_lock sees the
 * device's current mode and sequence.
 *
 * The kernel's per-CPU local lock is not needed: a simulated CPU is one
 * thread, and only that thread touches its own task and softirq state.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"

#define KCOV_REMOTE_BUCKETS	64

struct kcov_remote {
	uint64_t		handle;
	struct kcov		*kcov;
	LIST_ENTRY(kcov_remote)	link;
};

/* Lives in the first words of a pooled buffer, as in the kernel (5.6). */
struct kcov_remote_area {
	LIST_ENTRY(kcov_remote_area) link;
	size_t			size;	/* words */
};

static pthread_mutex_t remote_lock = PTHREAD_MUTEX_INITIALIZER;
/* Under remote_lock: */
static LIST_HEAD(, kcov_remote) remote_map[KCOV_REMOTE_BUCKETS];
static LIST_HEAD(, kcov_remote_area) remote_areas;
static struct kcov_sim_pool_stats pool_stats;
/* Handles registered; read unlocked so unknown handles cost no lock. */
static atomic_size_t nr_handles;
static atomic_size_t nr_sections;
/* Bit b set iff bucket b holds a handle; changed under remote_lock, read
 * without it so that an unregistered handle costs no lock. */
static _Atomic uint64_t remote_buckets;

notrace void ksim_remote_lock(void)
{
	pthread_mutex_lock(&remote_lock);
}

notrace void ksim_remote_unlock(void)
{
	pthread_mutex_unlock(&remote_lock);
}

notrace void ksim_remote_fork_child(void)
{
	pthread_mutex_init(&remote_lock, NULL);
}

static notrace bool kcov_mode_enabled(uint32_t mode)
{
	return (mode & ~KCOV_IN_CTXSW) != KCOV_MODE_DISABLED;
}

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

/* ---- handle table ------------------------------------------------------ */

static notrace unsigned int hash_handle(uint64_t handle)
{
	return (unsigned int)((handle * 0x9E3779B97F4A7C15ull) >> 58);
}

/* Caller holds remote_lock. */
static notrace struct kcov_remote *kcov_remote_find(uint64_t handle)
{
	struct kcov_remote *remote;

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
	remote = malloc(sizeof(*remote));
	if (!remote)
		return -ENOMEM;
	remote->handle = handle;
	remote->kcov = kcov;
	LIST_INSERT_HEAD(&remote_map[hash_handle(handle)], remote, link);
	atomic_fetch_or_explicit(&remote_buckets, 1ull << hash_handle(handle),
				 memory_order_release);
	kcov->nr_handles++;
	atomic_fetch_add(&nr_handles, 1);
	return 0;
}

/*
 * Unregister every handle of @kcov and reset it, both under remote_lock so
 * that a racing kcov_remote_start() sees the handle and the old sequence or
 * no handle at all (spec 2.8). Caller holds kcov->lock.
 */
notrace void kcov_remote_reset(struct kcov *kcov)
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
				atomic_fetch_and_explicit(&remote_buckets,
					~(1ull << bkt), memory_order_relaxed);
			kcov->nr_handles--;
			atomic_fetch_sub(&nr_handles, 1);
		}
	kcov_reset(kcov);
	pthread_mutex_unlock(&remote_lock);
}

/* ---- section buffer pool (spec 5.6) ------------------------------------ */

/* Caller holds remote_lock. First fit by exact size, newest first. */
static notrace unsigned long *kcov_remote_area_get(size_t size)
{
	struct kcov_remote_area *area;

	LIST_FOREACH(area, &remote_areas, link)
		if (area->size == size) {
			LIST_REMOVE(area, link);
			pool_stats.pooled--;
			pool_stats.reuses++;
			return (unsigned long *)area;
		}
	return NULL;
}

/* Caller holds remote_lock. The node scribbles words 0..2 of the buffer. */
static notrace void kcov_remote_area_put(unsigned long *buf, size_t size)
{
	struct kcov_remote_area *area = (struct kcov_remote_area *)buf;

	BUILD_BUG_ON(sizeof(*area) > 3 * sizeof(unsigned long));
	area->size = size;
	LIST_INSERT_HEAD(&remote_areas, area, link);
	pool_stats.pooled++;
}

/* A fresh section buffer, not zeroed, or NULL (size 0 fails like kmalloc(0)). */
static notrace unsigned long *section_alloc(size_t size)
{
	unsigned long *area;

	if (size == 0 || over_alloc_limit(size * sizeof(unsigned long)))
		return NULL;
	/* At least 3 words: the pool node lives in words 0..2. */
	area = malloc((size < 3 ? 3 : size) * sizeof(unsigned long));
	if (area) {
		pthread_mutex_lock(&remote_lock);
		pool_stats.allocs++;
		pthread_mutex_unlock(&remote_lock);
	}
	return area;
}

/* ---- KCOV_REMOTE_ENABLE (spec 5.2) ------------------------------------- */

/*
 * copy_from_user(): -EFAULT instead of a crash when @src is not readable.
 * The kernel reads our own memory for us; a pipe stands in where
 * process_vm_readv() is filtered (seccomp in some containers).
 */
static notrace int copy_from_user(void *dst, unsigned long src, size_t len)
{
	struct iovec local = { dst, len }, remote = { (void *)src, len };
	int pfd[2];
	ssize_t n;

	n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	if (n >= 0 || errno == EFAULT)
		return -EFAULT;
	if (pipe2(pfd, O_CLOEXEC))
		return -ENOMEM;
	n = write(pfd[1], (void *)src, len);	/* len <= 2072 < PIPE_BUF*16 */
	if (n == (ssize_t)len)
		n = read(pfd[0], dst, len);
	ksim_real_close(pfd[0]);
	ksim_real_close(pfd[1]);
	return n == (ssize_t)len ? 0 : -EFAULT;
}

/* Steps 10-11: register the handles. Caller holds both locks. */
static notrace int remote_add_all(struct kcov *kcov, struct kcov_task *t,
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

/* Steps 5-12. Caller holds kcov->lock. */
static notrace int remote_enable_locked(struct kcov *kcov,
					const struct kcov_remote_arg *arg,
					bool hooks_ours)
{
	struct kcov_task *t = &ksim_current;
	enum kcov_mode mode;
	int ret;

	kcov_sync_owner(kcov);
	if (kcov->mode != KCOV_MODE_INIT || !kcov->area)
		return -EINVAL;
	if (kcov->t || t->kcov)
		return -EBUSY;
	ret = ksim_trace_mode(arg->trace_mode, hooks_ours, &mode);
	if (ret)
		return ret;
	/* Step 8, area_size > LONG_MAX / 8, cannot fire for a u32 on 64-bit. */
	BUILD_BUG_ON(UINT32_MAX > LONG_MAX / sizeof(unsigned long));
	/* Enabled by a task of another process since our fork(). */
	if (kcov_claim(kcov))
		return -EINVAL;
	kcov->mode = mode;
	kcov->t = t;
	kcov->remote = true;
	kcov->remote_size = arg->area_size;
	/* P-2025: the owner is wired to the device in a mode no hook matches. */
	t->kcov = kcov;
	WRITE_ONCE(t->kcov_mode, KCOV_MODE_REMOTE);

	pthread_mutex_lock(&remote_lock);
	ret = remote_add_all(kcov, t, arg);
	pthread_mutex_unlock(&remote_lock);
	if (ret) {
		/* Roll back to INIT: handles removed, kcov_handle zeroed. */
		kcov_disable(t, kcov);
		return ret;
	}
	kcov_get(kcov);		/* the owner's; put in DISABLE or thread exit */
	ksim_task_arm(t);
	return 0;
}

notrace int ksim_remote_enable_ioctl(struct kcov *kcov, unsigned long uarg)
{
	struct kcov_remote_arg *arg;
	uint32_t num_handles;
	bool hooks_ours;
	size_t len;
	int ret;

	/* Prepare unlocked: read the count, copy, then re-check it (TOCTOU). */
	ret = copy_from_user(&num_handles,
			     uarg + offsetof(struct kcov_remote_arg, num_handles),
			     sizeof(num_handles));
	if (ret)
		return ret;
	if (num_handles > KCOV_REMOTE_MAX_HANDLES)
		return -EINVAL;
	len = sizeof(*arg) + num_handles * sizeof(arg->handles[0]);
	arg = malloc(len);
	if (!arg)
		return -ENOMEM;
	ret = copy_from_user(arg, uarg, len);
	if (!ret && arg->num_handles != num_handles)
		ret = -EINVAL;
	if (!ret) {
		hooks_ours = ksim_hooks_ours(arg->trace_mode);
		pthread_mutex_lock(&kcov->lock);
		ret = remote_enable_locked(kcov, arg, hooks_ours);
		pthread_mutex_unlock(&kcov->lock);
	}
	free(arg);
	return ret;
}

/* ---- kcov_move_area (spec 5.9) ----------------------------------------- */

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

/* ---- sections (spec 5.5, 5.7, 5.8) ------------------------------------- */

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

/* This "CPU"'s softirq buffer (per-CPU and preallocated in P-2025). */
static notrace unsigned long *irq_area(struct kcov_task *t)
{
	void *p;

	if (!t->irq_area) {
		p = ksim_real_mmap(NULL, KCOV_IRQ_AREA_SIZE * sizeof(unsigned long),
			 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		t->irq_area = p;
		ksim_task_arm(t);	/* freed in ksim_task_exit_remote() */
	}
	return t->irq_area;
}

/*
 * A thread that exits inside a section (spec 3.3, 5.12; kcov_task_exit()
 * has WARNed). The kernel leaks the section's device reference and so do
 * we, visibly in the refcount; the buffer goes back to the pool, so nothing
 * else is lost. Only a simulated thread can exit inside a softirq: its
 * section ends too and the interrupted state comes back first.
 */
static notrace void section_abandon(struct kcov_task *t)
{
	unsigned long *area;
	uint32_t size;

	if (t->kcov_softirq) {
		kcov_stop(t);
		t->kcov_softirq = 0;
		kcov_remote_softirq_stop(t);
		atomic_fetch_sub(&nr_sections, 1);
	}
	if (t->in_section) {
		area = t->kcov_area;
		size = t->kcov_size;
		kcov_stop(t);
		t->in_section = false;
		if (area) {
			pthread_mutex_lock(&remote_lock);
			kcov_remote_area_put(area, size);
			pthread_mutex_unlock(&remote_lock);
		}
		atomic_fetch_sub(&nr_sections, 1);
	}
}

/* The remote half of kcov_task_exit(), after the owner's device is done. */
notrace void ksim_task_exit_remote(struct kcov_task *t)
{
	if (t->in_section || t->kcov_softirq)
		section_abandon(t);
	if (t->irq_area) {
		ksim_real_munmap(t->irq_area,
				 KCOV_IRQ_AREA_SIZE * sizeof(unsigned long));
		t->irq_area = NULL;
	}
}

/*
 * In a forked child, the handle table is the copy made at fork(): whether
 * the owner (in another process) still holds the device decides if the
 * handle is still registered, as it would be in Linux's one table.
 */
static notrace bool remote_owner_holds(struct kcov *kcov)
{
	bool holds;

	if (likely(__atomic_load_n(&kcov->owner_pid, __ATOMIC_RELAXED) ==
		   ksim_getpid()))
		return true;
	pthread_mutex_lock(&kcov->lock);
	kcov_sync_owner(kcov);
	holds = kcov->remote;
	pthread_mutex_unlock(&kcov->lock);
	return holds;
}

/* Section start once the handle may be registered; out of line so that
 * kcov_remote_start() itself needs no stack frame. */
static __attribute__((noinline)) notrace void remote_start_found(struct kcov_task *t, uint64_t handle,
				       bool in_task)
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
	mode = kcov->mode;
	sequence = kcov->sequence;
	if (in_task) {
		size = kcov->remote_size;
		area = kcov_remote_area_get(size);
	} else {
		size = KCOV_IRQ_AREA_SIZE;
	}
	pthread_mutex_unlock(&remote_lock);

	if (unlikely(!remote_owner_holds(kcov))) {
		if (area) {
			pthread_mutex_lock(&remote_lock);
			kcov_remote_area_put(area, size);
			pthread_mutex_unlock(&remote_lock);
		}
		kcov_put(kcov);
		return;
	}
	area = area ? area : in_task ? section_alloc(size) : irq_area(t);
	if (!area) {
		kcov_put(kcov);
		return;
	}
	WRITE_ONCE(area[0], 0);
	if (in_task) {
		t->in_section = true;
		ksim_task_arm(t);	/* exit inside a section must WARN */
	} else {
		kcov_remote_softirq_start(t);
		t->kcov_softirq = 1;
		ksim_ctx_update(t);
	}
	atomic_fetch_add(&nr_sections, 1);
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
	if (!(atomic_load_explicit(&remote_buckets, memory_order_acquire) &
	      (1ull << hash_handle(handle))))
		return;
	remote_start_found(t, handle, in_task);
}

static __attribute__((noinline)) notrace void remote_stop_section(
		struct kcov_task *t, bool softirq);

KCOV_SIM_API notrace void kcov_remote_stop(void)
{
	struct kcov_task *t = &ksim_current;

	if (!ksim_in_task(t) && !ksim_in_softirq_really(t))
		return;
	if (!kcov_mode_enabled(READ_ONCE(t->kcov_mode)))
		return;
	remote_stop_section(t, t->softirq_cnt != 0);
}

static __attribute__((noinline)) notrace void remote_stop_section(
		struct kcov_task *t, bool softirq)
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

	pthread_mutex_lock(&kcov->lock);
	/* A DISABLE since the start bumped the sequence: drop (spec 5.10). */
	if (sequence == kcov->sequence && kcov->remote)
		kcov_move_area(kcov->mode, kcov->area, kcov->size, area);
	pthread_mutex_unlock(&kcov->lock);

	if (!softirq) {
		pthread_mutex_lock(&remote_lock);
		kcov_remote_area_put(area, size);
		pthread_mutex_unlock(&remote_lock);
	}
	/* Counted until its data is in place: 0 means every copy is done. */
	atomic_fetch_sub(&nr_sections, 1);
	kcov_put(kcov);		/* taken in kcov_remote_start() */
}

/* ---- helpers of include/linux/kcov.h (spec 5.11) ----------------------- */

KCOV_SIM_API notrace uint64_t kcov_common_handle(void)
{
	struct kcov_task *t = &ksim_current;

	return ksim_in_task(t) ? t->kcov_handle : 0;
}

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

KCOV_SIM_API notrace int kcov_sim_pool_stats(struct kcov_sim_pool_stats *st)
{
	if (!st)
		return -EFAULT;
	pthread_mutex_lock(&remote_lock);
	*st = pool_stats;
	pthread_mutex_unlock(&remote_lock);
	st->handles = atomic_load(&nr_handles);
	st->sections = atomic_load(&nr_sections);
	return 0;
}
