/* SPDX-License-Identifier: MIT */
/*
 * device.c - struct kcov and its ioctl state machine (spec section 2).
 *
 *                 INIT_TRACE(n)        ENABLE(m) / REMOTE_ENABLE
 *   S0 DISABLED ---------------> S1 INIT ------------------------> S2/S3 on
 *   (open)                          ^                                   |
 *                                   +-- DISABLE, owner exit, failed ----+
 *                                       REMOTE_ENABLE: kcov_reset()
 *
 * Any state -> freed when the last reference goes (kcov_put()). References:
 * the file (while an fd or a user mapping of the memfd exists), the owner
 * task, and every running remote section.
 *
 * The fd is a memfd; the device is found through its inode, so it follows
 * the open file description through dup, dup2 and fork. The buffer is the
 * memfd's pages; hooks write through the library's own MAP_SHARED view.
 *
 * The lifetime of the file (fds and user mappings) is kept in file.c.
 *
 * Lock order: devices_lock -> kcov->lock -> remote_lock (remote.c); file.c's
 * umap_lock is a leaf. The shared owner mutex (below) is not a lock in that
 * sense: it is only ever tried, under kcov->lock, and held while enabled.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/single_threaded.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* What forked processes share of a device: see kcov_claim(). */
struct kcov_shared {
	pthread_mutex_t owner;
	_Atomic uint32_t size;	/* INIT_TRACE's size once done, or the below */
};
#define SHARED_INIT_BUSY	(1u << 31)	/* an INIT_TRACE is under way */

static pthread_mutex_t devices_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(, kcov) devices = LIST_HEAD_INITIALIZER(devices);	/* devices_lock */
static uint64_t next_id = 1;					/* devices_lock */
/* Read without the lock by the shim's fast paths: "is there anything?" */
static atomic_int nr_devices;

notrace bool ksim_devices_exist(void)
{
	return atomic_load_explicit(&nr_devices, memory_order_relaxed) != 0;
}

notrace void kcov_get(struct kcov *kcov)
{
	atomic_fetch_add_explicit(&kcov->refcount, 1, memory_order_relaxed);
}

static notrace void kcov_free(struct kcov *kcov)
{
	pthread_mutex_lock(&devices_lock);
	LIST_REMOVE(kcov, link);
	pthread_mutex_unlock(&devices_lock);
	/* Handles left only if an owner leaked its reference (spec 2.9). */
	pthread_mutex_lock(&kcov->lock);
	if (kcov->remote)
		kcov_remote_reset(kcov);
	pthread_mutex_unlock(&kcov->lock);
	if (kcov->area)
		ksim_real_munmap(kcov->area, kcov->map_len);
	/* Not destroyed: other processes may still use it. */
	ksim_real_munmap(kcov->shared, sizeof(*kcov->shared));
	pthread_mutex_destroy(&kcov->lock);
	free(kcov);
	atomic_fetch_sub_explicit(&nr_devices, 1, memory_order_relaxed);
}

notrace void kcov_put(struct kcov *kcov)
{
	if (atomic_fetch_sub_explicit(&kcov->refcount, 1,
				      memory_order_acq_rel) == 1)
		kcov_free(kcov);
}

/* Back to INIT; the sequence bump voids running sections (spec 2.8, 5.10).
 * Caller holds kcov->lock (and remote_lock for a remote device). */
notrace void kcov_reset(struct kcov *kcov)
{
	kcov->t = NULL;
	kcov->mode = KCOV_MODE_INIT;
	kcov->remote = false;
	kcov->remote_size = 0;
	kcov->sequence++;
}

/* Detach the owner @t. Caller holds kcov->lock and drops the task ref. */
notrace void kcov_disable(struct kcov_task *t, struct kcov *kcov)
{
	ksim_record(kcov);
	kcov_task_reset(t);
	if (kcov->remote)
		kcov_remote_reset(kcov);
	else
		kcov_reset(kcov);
	kcov_unclaim(kcov);	/* we are @t's thread: DISABLE, exit, rollback */
}

/* ---- ownership across fork() ------------------------------------------- */

/*
 * One process is one simulated kernel (DESIGN 4), but after fork() parent
 * and child share the open file, which on Linux is one struct kcov. Who
 * owns it is what each can observe of the other (spec case 58): the owning
 * thread holds a robust, process-shared mutex in a page every process of
 * the device maps. Another process finds it held (the device is not INIT
 * there: EINVAL), free after the owner's DISABLE, or "owner died" after an
 * exit without DISABLE, which the kernel cleans up at exit as
 * kcov_task_exit() does. A robust mutex must be unlocked by the thread that
 * locked it, and only the owner's thread ever detaches it.
 */
static notrace struct kcov_shared *shared_alloc(void)
{
	pthread_mutexattr_t attr;
	struct kcov_shared *sh;

	sh = ksim_real_mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return NULL;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&sh->owner, &attr);
	pthread_mutexattr_destroy(&attr);
	return sh;
}

/*
 * Become the owner in every process's eyes, or -EINVAL: a task holds the
 * device (this thread, another one, or one of another process), so it is
 * not INIT. Caller holds kcov->lock.
 */
notrace int kcov_claim(struct kcov *kcov)
{
	int ret = pthread_mutex_trylock(&kcov->shared->owner);

	/* The owner exited without DISABLE: the device is INIT again. */
	if (ret == EOWNERDEAD)
		ret = pthread_mutex_consistent(&kcov->shared->owner);
	if (ret)
		return -EINVAL;
	__atomic_store_n(&kcov->owner_pid, ksim_getpid(), __ATOMIC_RELAXED);
	return 0;
}

notrace void kcov_unclaim(struct kcov *kcov)
{
	pthread_mutex_unlock(&kcov->shared->owner);
}

/*
 * A forked copy names an owner of another process. Once that owner has
 * disabled or exited, the device is INIT for everyone: forget it here too,
 * with its handles and its task reference (never the last: the caller's
 * fd or call holds one). Caller holds kcov->lock.
 */
notrace void kcov_sync_owner(struct kcov *kcov)
{
	if (!kcov->t || kcov->owner_pid == ksim_getpid() || kcov_claim(kcov))
		return;
	kcov_unclaim(kcov);
	if (kcov->remote)
		kcov_remote_reset(kcov);
	else
		kcov_reset(kcov);
	atomic_fetch_sub_explicit(&kcov->refcount, 1, memory_order_relaxed);
}

/* ---- identity: fd -> device ------------------------------------------- */

static notrace struct kcov *find_locked(dev_t dev, ino_t ino)
{
	struct kcov *kcov;

	LIST_FOREACH(kcov, &devices, link)
		if (kcov->st_ino == ino && kcov->st_dev == dev)
			return kcov;
	return NULL;
}

/* Take a reference unless the device is already on its way out. */
notrace bool kcov_tryget(struct kcov *kcov)
{
	int old = atomic_load_explicit(&kcov->refcount, memory_order_relaxed);

	while (old > 0)
		if (atomic_compare_exchange_weak(&kcov->refcount, &old, old + 1))
			return true;
	return false;
}

/*
 * fstat(2) by the fstat syscall itself. glibc's goes through newfstatat()
 * with an "" path that the kernel reads from libc's read-only data, a page
 * a fork-server child has not touched yet: a page fault in every child.
 */
static notrace int fd_stat(int fd, struct stat *st)
{
#if defined(__x86_64__) && defined(__linux__)
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "0"((long)SYS_fstat), "D"((long)fd), "S"(st)
		     : "rcx", "r11", "memory");
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return 0;
#else
	return fstat(fd, st);
#endif
}

/*
 * The device behind @fd with a reference, or NULL with *err = -EBADF (no
 * such fd) or -ENOTTY (not a kcov fd).
 */
notrace struct kcov *ksim_dev_get_fd(int fd, int *err)
{
	struct kcov *kcov;
	struct stat st;

	if (fd_stat(fd, &st)) {
		*err = -errno;
		return NULL;
	}
	kcov = ksim_dev_get_inode(st.st_dev, st.st_ino);
	*err = kcov ? 0 : -ENOTTY;
	return kcov;
}

/*
 * The device of a memfd inode, with a reference, or NULL. A process with a
 * single thread has nobody to race with: no lock, so a fork-server child's
 * ENABLE does not copy the page of devices_lock.
 */
notrace struct kcov *ksim_dev_get_inode(dev_t dev, ino_t ino)
{
	bool lock = !__libc_single_threaded;
	struct kcov *kcov;

	if (lock)
		pthread_mutex_lock(&devices_lock);
	kcov = find_locked(dev, ino);
	if (kcov && !kcov_tryget(kcov))
		kcov = NULL;
	if (lock)
		pthread_mutex_unlock(&devices_lock);
	return kcov;
}

/* ---- open -------------------------------------------------------------- */

/*
 * The VFS checks the access mode at mmap time; reopening the memfd with the
 * caller's mode makes the kernel do exactly that check.
 */
static notrace int reopen(int fd, int flags)
{
	char path[64];
	int nfd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, flags & (O_ACCMODE | O_CLOEXEC | O_NONBLOCK));
	if (nfd < 0)
		nfd = -errno;
	ksim_real_close(fd);
	return nfd;
}

/* open("/sys/kernel/debug/kcov", @flags): a fresh device. fd or -errno. */
notrace int ksim_dev_open(int flags)
{
	unsigned int mfd_flags = MFD_ALLOW_SEALING;
	struct kcov *kcov;
	struct stat st;
	int fd;

	if (flags & O_CLOEXEC)
		mfd_flags |= MFD_CLOEXEC;
	fd = memfd_create("kcov", mfd_flags);
	if (fd < 0)
		return -errno;
	if ((flags & O_ACCMODE) != O_RDWR || (flags & O_NONBLOCK)) {
		fd = reopen(fd, flags);
		if (fd < 0)
			return fd;
	}
	kcov = calloc(1, sizeof(*kcov));
	if (kcov)
		kcov->shared = shared_alloc();
	if (!kcov || !kcov->shared || fstat(fd, &st)) {
		if (kcov && kcov->shared)
			ksim_real_munmap(kcov->shared, sizeof(*kcov->shared));
		free(kcov);
		ksim_real_close(fd);
		return -ENOMEM;
	}
	atomic_init(&kcov->refcount, 1);	/* the file's; put at release */
	pthread_mutex_init(&kcov->lock, NULL);
	kcov->mode = KCOV_MODE_DISABLED;
	kcov->sequence = 1;
	kcov->st_dev = st.st_dev;
	kcov->st_ino = st.st_ino;
	kcov->file_open = true;
	pthread_mutex_lock(&devices_lock);
	kcov->id = next_id++;
	LIST_INSERT_HEAD(&devices, kcov, link);
	atomic_fetch_add_explicit(&nr_devices, 1, memory_order_relaxed);
	pthread_mutex_unlock(&devices_lock);
	ksim_fd_mark(fd, true);
	return fd;
}

/* ---- KCOV_INIT_TRACE -------------------------------------------------- */

/* The memfd may need a writable description of its own to be sized. */
static notrace int rw_fd(int fd)
{
	char path[64];
	int flags = fcntl(fd, F_GETFL);

	if (flags >= 0 && (flags & O_ACCMODE) == O_RDWR)
		return fd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_RDWR | O_CLOEXEC);
}

/* Size the memfd and map the library's view. Caller holds kcov->lock. */
/* Map the library's view of the sized memfd: the device is INIT. */
static notrace int view_attach(struct kcov *kcov, int rfd, uint32_t size)
{
	size_t len = page_round(size * sizeof(unsigned long));
	void *area;

	area = ksim_real_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			      rfd, 0);
	if (area == MAP_FAILED)
		return -ENOMEM;
	kcov->area = area;
	kcov->map_len = len;
	kcov->size = size;
	kcov->mode = KCOV_MODE_INIT;
	return 0;
}

static notrace int area_alloc(struct kcov *kcov, int fd, unsigned long size)
{
	size_t len = page_round(size * sizeof(unsigned long));
	int rfd = rw_fd(fd), ret = -ENOMEM;

	if (rfd < 0)
		return -ENOMEM;
	/* From empty: a write() before INIT may have left data (spec 2.3). */
	if (!ftruncate(rfd, 0) && !ftruncate(rfd, (off_t)len)) {
		ret = view_attach(kcov, rfd, (uint32_t)size);
		if (ret)
			ftruncate(rfd, 0);
		else	/* Fixed for the device's life: no write() grows it. */
			fcntl(rfd, F_ADD_SEALS,
			      F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	}
	if (rfd != fd)
		ksim_real_close(rfd);
	return ret;
}

/*
 * KCOV_INIT_TRACE done by another process since our fork(): the one struct
 * kcov of Linux would be INIT here too, so map our own view of the sized
 * memfd and be INIT. Caller holds kcov->lock.
 */
notrace void kcov_sync_init(struct kcov *kcov, int fd)
{
	uint32_t size;
	int rfd;

	if (kcov->mode != KCOV_MODE_DISABLED)
		return;
	size = atomic_load_explicit(&kcov->shared->size, memory_order_acquire);
	if (!size || (size & SHARED_INIT_BUSY))
		return;
	rfd = rw_fd(fd);
	if (rfd < 0)
		return;
	view_attach(kcov, rfd, size);	/* on failure: still DISABLED here */
	if (rfd != fd)
		ksim_real_close(rfd);
}

/*
 * Bind, in the process that INITs, the libc calls of a child's first ENABLE
 * that nothing before has made: in a lazily bound executable (one linking
 * the static library) every fork-server child would resolve them again,
 * paying a symbol lookup and a copy of the GOT page each time.
 */
static notrace void kcov_warm(struct kcov *kcov)
{
	pthread_mutex_t *owner = &kcov->shared->owner;
	int ret = pthread_mutex_trylock(owner);

	/* EINVAL unless the owner died and we now hold it: binds it anyway. */
	pthread_mutex_consistent(owner);
	if (ret == 0 || ret == EOWNERDEAD)
		pthread_mutex_unlock(owner);
	ksim_task_warm();
}

static notrace int kcov_init_trace(struct kcov *kcov, int fd, unsigned long size)
{
	uint32_t none = 0;
	int ret;

	/* Range first (spec 2.3): a second INIT with a bad size is EINVAL. */
	if (size < 2 || size > KCOV_INIT_MAX)
		return -EINVAL;
	if (over_alloc_limit(size * sizeof(unsigned long)))
		return -ENOMEM;
	pthread_mutex_lock(&kcov->lock);
	kcov_sync_init(kcov, fd);
	/* Unlike the kernel we allocate under the lock: the memfd is shared,
	 * so a throw-away allocation would resize the live buffer. The
	 * shared word makes the INIT of two processes one after the other. */
	if (kcov->mode != KCOV_MODE_DISABLED ||
	    !atomic_compare_exchange_strong(&kcov->shared->size, &none,
					    SHARED_INIT_BUSY)) {
		ret = -EBUSY;
	} else {
		ret = area_alloc(kcov, fd, size);
		atomic_store_explicit(&kcov->shared->size, ret ? 0 : size,
				      memory_order_release);
	}
	pthread_mutex_unlock(&kcov->lock);
	if (!ret) {
		ksim_hooks_warm();
		kcov_warm(kcov);
	}
	return ret;
}

/* ---- KCOV_ENABLE / KCOV_DISABLE ---------------------------------------- */

/*
 * Do the hooks the process calls belong to us? Asked before taking
 * kcov->lock, as it may ask the dynamic loader. Shadowed comparison hooks
 * make KCOV_TRACE_CMP fail (DESIGN 6); a shadowed trace_pc only warns.
 */
notrace bool ksim_hooks_ours(unsigned long arg)
{
	if (arg == KCOV_TRACE_CMP)
		return ksim_cmp_hooks_ours();
	if (arg == KCOV_TRACE_PC)
		ksim_pc_hook_ours();
	return true;
}

/* Trace mode from a user argument (spec 2.5 #3): 0 PC, 1 CMP, else EINVAL. */
notrace int ksim_trace_mode(unsigned long arg, bool hooks_ours,
			    enum kcov_mode *mode)
{
	if (arg == KCOV_TRACE_PC) {
		*mode = KCOV_MODE_TRACE_PC;
		return 0;
	}
	if (arg != KCOV_TRACE_CMP)
		return -EINVAL;
	if (!READ_ONCE(ksim_cmp_supported) || !hooks_ours)
		return -ENOTSUPP;
	*mode = KCOV_MODE_TRACE_CMP;
	return 0;
}

/* Caller holds kcov->lock. */
static notrace int kcov_enable_locked(struct kcov *kcov, unsigned long arg,
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
	ret = ksim_trace_mode(arg, hooks_ours, &mode);
	if (ret)
		return ret;
	/* Enabled by a task of another process since our fork(). */
	if (kcov_claim(kcov))
		return -EINVAL;
	/* No prefault: a page fault in a hook is harmless in userspace. */
	kcov->mode = mode;
	kcov->t = t;
	kcov_start(t, kcov, kcov->size, kcov->area, mode, kcov->sequence);
	kcov_get(kcov);		/* the task's; put in DISABLE or thread exit */
	ksim_task_arm(t);
	return 0;
}

/* Caller holds kcov->lock; on 0 the caller drops the task's reference. */
static notrace int kcov_disable_locked(struct kcov *kcov, unsigned long arg)
{
	struct kcov_task *t = &ksim_current;

	if (arg != 0 || t->kcov != kcov)
		return -EINVAL;
	if (WARN_ON(kcov->t != t))
		return -EINVAL;
	kcov_disable(t, kcov);
	return 0;
}

/* ---- ioctl ------------------------------------------------------------- */

/* VFS-level ioctls that reach every file before kcov_ioctl() does. */
static notrace bool vfs_ioctl(unsigned long cmd)
{
	return cmd == FIOCLEX || cmd == FIONCLEX || cmd == FIONBIO ||
	       cmd == FIOASYNC;
}

static notrace int kcov_ioctl(struct kcov *kcov, int fd, unsigned long cmd,
			      unsigned long arg)
{
	bool hooks_ours;
	int ret;

	switch (cmd) {
	case KCOV_INIT_TRACE:
		return kcov_init_trace(kcov, fd, arg);
	case KCOV_REMOTE_ENABLE:
		pthread_mutex_lock(&kcov->lock);
		kcov_sync_init(kcov, fd);
		pthread_mutex_unlock(&kcov->lock);
		return ksim_remote_enable_ioctl(kcov, arg);
	case KCOV_ENABLE:
		hooks_ours = ksim_hooks_ours(arg);
		pthread_mutex_lock(&kcov->lock);
		kcov_sync_init(kcov, fd);
		ret = kcov_enable_locked(kcov, arg, hooks_ours);
		pthread_mutex_unlock(&kcov->lock);
		return ret;
	case KCOV_DISABLE:
		pthread_mutex_lock(&kcov->lock);
		ret = kcov_disable_locked(kcov, arg);
		pthread_mutex_unlock(&kcov->lock);
		if (!ret)
			kcov_put(kcov);	/* taken by (REMOTE_)ENABLE */
		return ret;
	default:
		if (vfs_ioctl(cmd))
			return ksim_real_ioctl(fd, cmd, arg) ? -errno : 0;
		return -ENOTTY;
	}
}

/*
 * ioctl(2) on @fd: the kcov device if @fd is one, else the real kernel.
 * Returns like the syscall.
 */
notrace int ksim_dev_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	struct kcov *kcov;
	int ret;

	kcov = ksim_dev_get_fd(fd, &ret);
	if (!kcov)
		return ksim_real_ioctl(fd, cmd, arg);
	/* The syscall's cmd is an unsigned int: higher bits never arrive. */
	ret = kcov_ioctl(kcov, fd, (unsigned int)cmd, arg);
	kcov_put(kcov);
	return sys_result(ret);
}

/* ---- fork: the child gets a consistent copy of the simulated kernel ---- */

/*
 * Whether the prepare handler took every lock. A single-threaded process
 * has no other thread that could hold one across fork(), and locking and
 * unlocking them all would only dirty pages that fork() has just shared
 * (page faults in the fork-server loop). Written before fork() only.
 */
static bool fork_locked;

notrace void ksim_dev_fork_prepare(void)
{
	struct kcov *kcov;

	bool lock = !__libc_single_threaded;

	/* Written only on a change: a store per fork would fault each time. */
	if (fork_locked != lock)
		fork_locked = lock;
	if (!lock)
		return;
	pthread_mutex_lock(&devices_lock);
	LIST_FOREACH(kcov, &devices, link)
		pthread_mutex_lock(&kcov->lock);
	ksim_remote_lock();
	ksim_file_lock();
	ksim_pc_fork(KSIM_FORK_PREPARE);
	ksim_shadow_fork(KSIM_FORK_PREPARE);
	ksim_sim_fork(KSIM_FORK_PREPARE);
}

notrace void ksim_dev_fork_parent(void)
{
	struct kcov *kcov;

	if (!fork_locked)
		return;
	ksim_sim_fork(KSIM_FORK_PARENT);
	ksim_shadow_fork(KSIM_FORK_PARENT);
	ksim_pc_fork(KSIM_FORK_PARENT);
	ksim_file_unlock();
	ksim_remote_unlock();
	LIST_FOREACH(kcov, &devices, link)
		pthread_mutex_unlock(&kcov->lock);
	pthread_mutex_unlock(&devices_lock);
}

/* Other threads are gone: their locks may not be released, so re-create. */
notrace void ksim_dev_fork_child(void)
{
	struct kcov *kcov;

	if (!fork_locked)
		return;
	ksim_sim_fork(KSIM_FORK_CHILD);
	ksim_shadow_fork(KSIM_FORK_CHILD);
	ksim_pc_fork(KSIM_FORK_CHILD);
	ksim_file_fork_child();
	ksim_remote_fork_child();
	LIST_FOREACH(kcov, &devices, link)
		pthread_mutex_init(&kcov->lock, NULL);
	pthread_mutex_init(&devices_lock, NULL);
}

/* ---- introspection (sim.h) --------------------------------------------- */

static notrace void info_fill(struct kcov *kcov, struct kcov_sim_dev_info *info)
{
	pthread_mutex_lock(&kcov->lock);
	kcov_sync_owner(kcov);
	info->id = kcov->id;
	info->refcount = atomic_load(&kcov->refcount) - 1;	/* minus ours */
	info->mode = kcov->mode;
	info->size = kcov->size;
	info->sequence = kcov->sequence;
	info->remote = kcov->remote;
	info->area = kcov->area;
	pthread_mutex_unlock(&kcov->lock);
	ksim_remote_lock();
	info->nr_handles = kcov->nr_handles;
	ksim_remote_unlock();
	info->file_open = ksim_file_open(kcov);
}

KCOV_SIM_API notrace int kcov_sim_dev_info(int fd, struct kcov_sim_dev_info *info)
{
	struct kcov *kcov;
	int err;

	if (!info)
		return -EFAULT;
	kcov = ksim_dev_get_fd(fd, &err);
	if (!kcov)
		return err;
	info_fill(kcov, info);
	kcov_put(kcov);
	return 0;
}

KCOV_SIM_API notrace int kcov_sim_dev_info_id(uint64_t id,
					      struct kcov_sim_dev_info *info)
{
	struct kcov *kcov, *found = NULL;

	if (!info)
		return -EFAULT;
	pthread_mutex_lock(&devices_lock);
	LIST_FOREACH(kcov, &devices, link)
		if (kcov->id == id && kcov_tryget(kcov)) {
			found = kcov;
			break;
		}
	pthread_mutex_unlock(&devices_lock);
	if (!found)
		return -ENOENT;
	info_fill(found, info);
	kcov_put(found);
	return 0;
}

notrace void ksim_dev_foreach(void (*fn)(struct kcov *kcov, void *arg), void *arg)
{
	struct kcov *kcov, *got[64];
	int i, n = 0;

	pthread_mutex_lock(&devices_lock);
	LIST_FOREACH(kcov, &devices, link)
		if (n < (int)ARRAY_SIZE(got) && kcov_tryget(kcov))
			got[n++] = kcov;
	pthread_mutex_unlock(&devices_lock);
	for (i = 0; i < n; i++) {
		fn(got[i], arg);
		kcov_put(got[i]);
	}
}

KCOV_SIM_API notrace int kcov_sim_device_count(void)
{
	return atomic_load(&nr_devices);
}
