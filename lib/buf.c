/* SPDX-License-Identifier: MIT */
/*
 * buf.c - the device's memory, which the kernel gets from vmalloc_user()
 * and vm_insert_page(): a memfd whose page 0 holds what every process of
 * the file shares (struct kcov_shared, internal.h) and whose following
 * pages are the coverage buffer; the library's own MAP_SHARED views of
 * both (the hooks write through the buffer's); and remote sections'
 * private buffers.
 *
 * Living in the memfd, the shared page reaches whatever reaches the file:
 * a forked child, a new image after execve(), a process the fd is sent to.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#ifndef __has_feature
#define __has_feature(x) 0	/* GCC before 14 */
#endif
#if defined(__SANITIZE_THREAD__) || __has_feature(thread_sanitizer)
#define KSIM_TSAN 1
void __tsan_mutex_pre_unlock(void *addr, unsigned int flags);
int __tsan_mutex_post_unlock(void *addr, unsigned int flags);
/*
 * The owner mutex is a token between processes, not a lock on data. TSan
 * copies a parent's lock holders into a forked child and cannot see a
 * release in another process, so it reports false double locks on it:
 * under TSan it goes through glibc's uninstrumented names.
 */
static int (*raw_trylock)(pthread_mutex_t *m);
static int (*raw_unlock)(pthread_mutex_t *m);

/* libc's own, past TSan's interceptors in the executable. */
__attribute__((constructor)) static notrace void raw_resolve(void)
{
	raw_trylock = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT,
							"pthread_mutex_trylock");
	raw_unlock = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT,
						       "pthread_mutex_unlock");
}
#define owner_trylock	raw_trylock
#define owner_unlock	raw_unlock
#else
#define KSIM_TSAN 0
#define owner_trylock	pthread_mutex_trylock
#define owner_unlock	pthread_mutex_unlock
#endif

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

/* The memfd may need a writable description of its own to be mapped. */
static notrace int rw_fd(int fd)
{
	int flags = ksim_libc_fcntl(fd, F_GETFL, 0);

	if (flags >= 0 && (flags & O_ACCMODE) == O_RDWR)
		return fd;
	return reopen(fd, O_RDWR | O_CLOEXEC);
}

/*
 * The memfd of a new device, sized for its shared page and opened as
 * open(2) was asked to (@open_flags): the VFS checks the access mode at
 * mmap time, and a reopened description with the caller's mode makes the
 * kernel do exactly that check. fd or -errno.
 */
notrace int ksim_buf_create(int open_flags)
{
	unsigned int mfd_flags = MFD_ALLOW_SEALING;
	int fd, nfd, ret;

	if (open_flags & O_CLOEXEC)
		mfd_flags |= MFD_CLOEXEC;
	fd = ksim_libc_memfd_create("kcov", mfd_flags);
	if (fd < 0)
		return fd;
	ret = ksim_libc_ftruncate(fd, KSIM_BUF_OFFSET);
	if (ret || ((open_flags & O_ACCMODE) == O_RDWR && !(open_flags & O_NONBLOCK))) {
		if (ret)
			ksim_libc_close(fd);
		return ret ? ret : fd;
	}
	nfd = reopen(fd, open_flags & (O_ACCMODE | O_CLOEXEC | O_NONBLOCK));
	ksim_libc_close(fd);
	return nfd;
}

/* A robust, process-shared mutex: a dead holder does not block the rest. */
static notrace void shared_mutex_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
}

/*
 * This process's view of the shared page of the memfd @fd. With @create,
 * a new device's page is initialised (nobody else can see it yet);
 * without, the page must be one a device initialised. NULL on failure.
 */
notrace struct kcov_shared *ksim_shared_map(int fd, bool create)
{
	struct kcov_shared *sh;
	int rfd = rw_fd(fd);

	BUILD_BUG_ON(sizeof(*sh) > KSIM_BUF_OFFSET);
	if (rfd < 0)
		return NULL;
	sh = ksim_libc_mmap(NULL, KSIM_BUF_OFFSET, PROT_READ | PROT_WRITE,
			    MAP_SHARED, rfd, 0);
	if (rfd != fd)
		ksim_libc_close(rfd);
	if (IS_ERR_VALUE(sh))
		return NULL;
	if (create) {
		shared_mutex_init(&sh->lock);
		shared_mutex_init(&sh->owner);
		sh->sequence = 1;
		smp_store_release(&sh->magic, KSIM_SHARED_MAGIC);
	} else if (smp_load_acquire(&sh->magic) != KSIM_SHARED_MAGIC) {
		ksim_libc_munmap(sh, KSIM_BUF_OFFSET);
		return NULL;
	}
	return sh;
}

/* Not destroyed: other processes may still use it. */
notrace void ksim_shared_unmap(struct kcov_shared *sh)
{
	if (sh)
		ksim_libc_munmap(sh, KSIM_BUF_OFFSET);
}

/* kcov->lock. A holder that died (its process crashed) left it as is. */
notrace void ksim_shared_lock(struct kcov_shared *sh)
{
	if (pthread_mutex_lock(&sh->lock) == EOWNERDEAD)
		pthread_mutex_consistent(&sh->lock);
}

notrace void ksim_shared_unlock(struct kcov_shared *sh)
{
	pthread_mutex_unlock(&sh->lock);
}


/*
 * fork() child, of a lock the prepare handler took: the parent releases it
 * (it is one lock in shared memory), the child must not release it again.
 * Only TSan, which tracks the child's copy of the holder, is told.
 */
notrace void ksim_shared_fork_child(struct kcov_shared *sh)
{
#if KSIM_TSAN
	__tsan_mutex_pre_unlock(&sh->lock, 0);
	__tsan_mutex_post_unlock(&sh->lock, 0);
#else
	(void)sh;
#endif
}

/*
 * Become the owner in every process's eyes, or -EINVAL: a task holds the
 * device (this thread, another one, or one of another process). The owner
 * holds @owner while enabled: another process finds it held (the device is
 * not INIT there), free after the owner's DISABLE, or "owner died" after
 * an exit without DISABLE, which the kernel cleans up as kcov_task_exit()
 * does. Only the owner's thread ever releases it.
 */
notrace int ksim_shared_claim(struct kcov_shared *sh)
{
	int ret = owner_trylock(&sh->owner);

	/* The owner exited without DISABLE: the device is INIT again. */
	if (ret == EOWNERDEAD)
		ret = pthread_mutex_consistent(&sh->owner);
	return ret ? -EINVAL : 0;
}

notrace void ksim_shared_unclaim(struct kcov_shared *sh)
{
	owner_unlock(&sh->owner);
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
	int ret = owner_trylock(&sh->owner);

	/* EINVAL unless the owner died and we now hold it: binds it anyway. */
	pthread_mutex_consistent(&sh->owner);
	if (ret == 0 || ret == EOWNERDEAD)
		owner_unlock(&sh->owner);
}

/* ---- the coverage buffer ------------------------------------------------ */

/* The library's view of the buffer of a memfd sized for @size words. */
static notrace int view_map(int rfd, uint32_t size, unsigned long **area,
			    size_t *map_len)
{
	size_t len = page_round(size * sizeof(unsigned long));
	void *p;

	p = ksim_libc_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, rfd,
			   KSIM_BUF_OFFSET);
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
	off_t len = (off_t)page_round(size * sizeof(unsigned long));
	int rfd = rw_fd(fd), ret = -ENOMEM;

	if (rfd < 0)
		return -ENOMEM;
	/* Only the shared page before: a write() may have left data (2.3). */
	if (!ksim_libc_ftruncate(rfd, KSIM_BUF_OFFSET) &&
	    !ksim_libc_ftruncate(rfd, KSIM_BUF_OFFSET + len)) {
		ret = view_map(rfd, size, area, map_len);
		if (ret)
			ksim_libc_ftruncate(rfd, KSIM_BUF_OFFSET);
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

/* ---- remote sections' buffers ------------------------------------------- */

/*
 * vmalloc(words * 8) of kcov_remote_start(): NULL where the kernel's would
 * fail. The size comes from the user (area_size, up to 32 GiB): never from
 * an allocator that aborts (ASan's) or commits memory up front (malloc of
 * a large block may). A mapping reserves address space only, and a size
 * beyond the machine's memory fails as vmalloc's page allocation would.
 * At least 3 words: the pool node lives in words 0..2.
 */
notrace unsigned long *ksim_section_alloc(size_t words)
{
	size_t bytes = (words < 3 ? 3 : words) * sizeof(unsigned long);
	long pages = sysconf(_SC_PHYS_PAGES);
	void *p;

	if (words == 0 || over_alloc_limit(words * sizeof(unsigned long)))
		return NULL;
	if (pages > 0 && bytes / KSIM_PAGE_SIZE >= (size_t)pages)
		return NULL;
	p = ksim_libc_mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return IS_ERR_VALUE(p) ? NULL : p;
}
