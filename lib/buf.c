/* SPDX-License-Identifier: MIT */
/*
 * buf.c - the device's memory, which the kernel gets from vmalloc_user()
 * and vm_insert_page(): a memfd whose pages are the coverage buffer, the
 * library's own MAP_SHARED view of them (the hooks write through it), and
 * a small process-shared page with what forked processes share of a
 * device (DESIGN 4).
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

/*
 * What forked processes share of a device. Who owns it is what each can
 * observe of the other (spec case 58): the owning thread holds a robust,
 * process-shared mutex. Another process finds it held (the device is not
 * INIT there: EINVAL), free after the owner's DISABLE, or "owner died"
 * after an exit without DISABLE, which the kernel cleans up at exit as
 * kcov_task_exit() does. A robust mutex must be unlocked by the thread
 * that locked it, and only the owner's thread ever detaches it.
 */
struct kcov_shared {
	pthread_mutex_t	owner;
	uint32_t	size;	/* INIT_TRACE's size once done, or INIT_BUSY; atomic */
};
#define SHARED_INIT_BUSY	(1u << 31)	/* an INIT_TRACE is under way */

/* ---- the memfd ---------------------------------------------------------- */

/*
 * A reopened /proc/self/fd/N of @fd: a new open file description of the
 * same memfd, with @flags' access mode. fd or -errno.
 */
static notrace int reopen(int fd, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return ksim_libc_open(path, flags, 0);
}

/*
 * The memfd of a new device, opened as open(2) was asked to (@open_flags):
 * the VFS checks the access mode at mmap time, and a reopened description
 * with the caller's mode makes the kernel do exactly that check.
 */
notrace int ksim_buf_create(int open_flags)
{
	unsigned int mfd_flags = MFD_ALLOW_SEALING;
	int fd, nfd;

	if (open_flags & O_CLOEXEC)
		mfd_flags |= MFD_CLOEXEC;
	fd = ksim_libc_memfd_create("kcov", mfd_flags);
	if (fd < 0 || ((open_flags & O_ACCMODE) == O_RDWR && !(open_flags & O_NONBLOCK)))
		return fd;
	nfd = reopen(fd, open_flags & (O_ACCMODE | O_CLOEXEC | O_NONBLOCK));
	ksim_libc_close(fd);
	return nfd;
}

/* The memfd may need a writable description of its own to be sized. */
static notrace int rw_fd(int fd)
{
	int flags = ksim_libc_fcntl(fd, F_GETFL, 0);

	if (flags >= 0 && (flags & O_ACCMODE) == O_RDWR)
		return fd;
	return reopen(fd, O_RDWR | O_CLOEXEC);
}

/* The library's view of the memfd, already sized for @size words. */
static notrace int view_map(int rfd, uint32_t size, unsigned long **area,
			    size_t *map_len)
{
	size_t len = page_round(size * sizeof(unsigned long));
	void *p;

	p = ksim_libc_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0);
	if (IS_ERR_VALUE(p))
		return -ENOMEM;
	*area = p;
	*map_len = len;
	return 0;
}

/* KCOV_INIT_TRACE's vmalloc_user(): size the memfd, seal it, map the view. */
notrace int ksim_buf_alloc(int fd, uint32_t size, unsigned long **area,
			   size_t *map_len)
{
	size_t len = page_round(size * sizeof(unsigned long));
	int rfd = rw_fd(fd), ret = -ENOMEM;

	if (rfd < 0)
		return -ENOMEM;
	/* From empty: a write() before INIT may have left data (spec 2.3). */
	if (!ksim_libc_ftruncate(rfd, 0) && !ksim_libc_ftruncate(rfd, (off_t)len)) {
		ret = view_map(rfd, size, area, map_len);
		if (ret)
			ksim_libc_ftruncate(rfd, 0);
		else	/* Fixed for the device's life: no write() grows it. */
			ksim_libc_fcntl(rfd, F_ADD_SEALS,
					F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	}
	if (rfd != fd)
		ksim_libc_close(rfd);
	return ret;
}

/* The view of a memfd another process sized (INIT_TRACE after fork). */
notrace int ksim_buf_map(int fd, uint32_t size, unsigned long **area,
			 size_t *map_len)
{
	int rfd = rw_fd(fd), ret;

	if (rfd < 0)
		return -ENOMEM;
	ret = view_map(rfd, size, area, map_len);
	if (rfd != fd)
		ksim_libc_close(rfd);
	return ret;
}

notrace void ksim_buf_free(unsigned long *area, size_t map_len)
{
	if (area)
		ksim_libc_munmap(area, map_len);
}

/* ---- what forked processes share ---------------------------------------- */

notrace struct kcov_shared *ksim_shared_alloc(void)
{
	pthread_mutexattr_t attr;
	struct kcov_shared *sh;

	sh = ksim_libc_mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (IS_ERR_VALUE(sh))
		return NULL;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&sh->owner, &attr);
	pthread_mutexattr_destroy(&attr);
	return sh;
}

/* Not destroyed: other processes may still use it. */
notrace void ksim_shared_free(struct kcov_shared *sh)
{
	if (sh)
		ksim_libc_munmap(sh, sizeof(*sh));
}

/*
 * Become the owner in every process's eyes, or -EINVAL: a task holds the
 * device (this thread, another one, or one of another process).
 */
notrace int ksim_shared_claim(struct kcov_shared *sh)
{
	int ret = pthread_mutex_trylock(&sh->owner);

	/* The owner exited without DISABLE: the device is INIT again. */
	if (ret == EOWNERDEAD)
		ret = pthread_mutex_consistent(&sh->owner);
	return ret ? -EINVAL : 0;
}

/* Only on the thread that claimed. */
notrace void ksim_shared_unclaim(struct kcov_shared *sh)
{
	pthread_mutex_unlock(&sh->owner);
}

/*
 * INIT_TRACE of two processes one after the other: true if this one may
 * size the buffer now (end it with ksim_shared_init_end()).
 */
notrace bool ksim_shared_init_begin(struct kcov_shared *sh)
{
	uint32_t none = 0;

	return atomic_try_cmpxchg(&sh->size, &none, SHARED_INIT_BUSY);
}

/* @size words on success, 0 on failure. Pairs with ksim_shared_size(). */
notrace void ksim_shared_init_end(struct kcov_shared *sh, uint32_t size)
{
	smp_store_release(&sh->size, size);
}

/* The size another process's INIT_TRACE gave the buffer, or 0. */
notrace uint32_t ksim_shared_size(struct kcov_shared *sh)
{
	uint32_t size = smp_load_acquire(&sh->size);

	return (size & SHARED_INIT_BUSY) ? 0 : size;
}

/*
 * Bind, in the process that INITs, the libc calls of a child's first ENABLE
 * that nothing before has made: in a lazily bound executable (one linking
 * the static library) every fork-server child would resolve them again,
 * paying a symbol lookup and a copy of the GOT page each time.
 */
notrace void ksim_shared_warm(struct kcov_shared *sh)
{
	int ret = pthread_mutex_trylock(&sh->owner);

	/* EINVAL unless the owner died and we now hold it: binds it anyway. */
	pthread_mutex_consistent(&sh->owner);
	if (ret == 0 || ret == EOWNERDEAD)
		pthread_mutex_unlock(&sh->owner);
}
