/* SPDX-License-Identifier: MIT */
/*
 * shim.c - the two front doors, where kernel-style results (-errno) become
 * libc's (-1 and errno): the only place (STYLE 6.4).
 *
 * (a) kcov_sim_open/ioctl/mmap/munmap/close: the syscalls, one to one.
 * (b) libc interposers, so an unmodified program that opens
 *     /sys/kernel/debug/kcov works when linked with -lkcov-sim or run under
 *     LD_PRELOAD. Every other path, fd and request goes to the next
 *     definition untouched (libc.c); while no kcov file exists that costs
 *     one relaxed load. Besides open/ioctl/mmap/munmap/close, the calls
 *     that can drop the last fd or mapping of a file (dup2, dup3,
 *     close_range, mremap) and the ones a kcov file refuses (read, write,
 *     lseek and their positional and vector forms) are interposed;
 *     fcntl(F_DUPFD) carries the hint. pthread_create() is wrapped so new
 *     threads inherit kcov_handle, as clone() copies it (spec 3.2).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"

#define KCOV_PATH	"/sys/kernel/debug/kcov"

__attribute__((constructor)) static notrace void shim_init(void)
{
	ksim_fork_init();
}

/* ---- (a) explicit API -------------------------------------------------- */

KCOV_SIM_API notrace int kcov_sim_open(void)
{
	return (int)sys_result(ksim_vfs_open(O_RDWR));
}

KCOV_SIM_API notrace int kcov_sim_ioctl(int fd, unsigned long cmd,
					unsigned long arg)
{
	return (int)sys_result(ksim_vfs_ioctl(fd, cmd, arg));
}

KCOV_SIM_API notrace void *kcov_sim_mmap(void *addr, size_t len, int prot,
					 int flags, int fd, off_t off)
{
	return sys_result_ptr(ksim_vfs_mmap(addr, len, prot, flags, fd, off));
}

KCOV_SIM_API notrace int kcov_sim_munmap(void *addr, size_t len)
{
	return (int)sys_result(ksim_vfs_munmap(addr, len));
}

KCOV_SIM_API notrace int kcov_sim_close(int fd)
{
	return (int)sys_result(ksim_vfs_close(fd));
}

/* ---- (b) libc interposers ---------------------------------------------- */

static notrace bool is_kcov_path(const char *path)
{
	return path && strcmp(path, KCOV_PATH) == 0;
}

static notrace bool wants_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

KCOV_SIM_API notrace int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (is_kcov_path(path))
		return (int)sys_result(ksim_vfs_open(flags));
	if (wants_mode(flags)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return (int)sys_result(ksim_libc_open(path, flags, mode));
}

KCOV_SIM_API notrace int open64(const char *path, int flags, ...)
	__attribute__((alias("open")));

KCOV_SIM_API notrace int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	/* An absolute path ignores dirfd. */
	if (is_kcov_path(path))
		return (int)sys_result(ksim_vfs_open(flags));
	if (wants_mode(flags)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return (int)sys_result(ksim_libc_openat(dirfd, path, flags, mode));
}

KCOV_SIM_API notrace int openat64(int dirfd, const char *path, int flags, ...)
	__attribute__((alias("openat")));

/* _FORTIFY_SOURCE turns two-argument open() calls into these. */
KCOV_SIM_API notrace int __open_2(const char *path, int flags)
{
	return open(path, flags);
}

KCOV_SIM_API notrace int __open64_2(const char *path, int flags)
	__attribute__((alias("__open_2")));

KCOV_SIM_API notrace int __openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

KCOV_SIM_API notrace int ioctl(int fd, unsigned long cmd, ...)
{
	unsigned long arg;
	va_list ap;

	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	if (likely(!ksim_vfs_active()))
		return (int)sys_result(ksim_libc_ioctl(fd, cmd, arg));
	return (int)sys_result(ksim_vfs_ioctl(fd, cmd, arg));
}

KCOV_SIM_API notrace void *mmap(void *addr, size_t len, int prot, int flags,
				int fd, off_t off)
{
	return sys_result_ptr(ksim_vfs_mmap(addr, len, prot, flags, fd, off));
}

KCOV_SIM_API notrace void *mmap64(void *addr, size_t len, int prot, int flags,
				  int fd, off_t off) __attribute__((alias("mmap")));

KCOV_SIM_API notrace int munmap(void *addr, size_t len)
{
	return (int)sys_result(ksim_vfs_munmap(addr, len));
}

KCOV_SIM_API notrace int close(int fd)
{
	return (int)sys_result(ksim_vfs_close(fd));
}

KCOV_SIM_API notrace int dup(int fd)
{
	return (int)sys_result(ksim_vfs_dup(fd));
}

KCOV_SIM_API notrace int dup2(int oldfd, int newfd)
{
	return (int)sys_result(ksim_vfs_dup3(oldfd, newfd, 0, false));
}

KCOV_SIM_API notrace int dup3(int oldfd, int newfd, int flags)
{
	return (int)sys_result(ksim_vfs_dup3(oldfd, newfd, flags, true));
}

KCOV_SIM_API notrace int close_range(unsigned int first, unsigned int last,
				     int flags)
{
	return (int)sys_result(ksim_vfs_close_range(first, last, flags));
}

KCOV_SIM_API notrace void *mremap(void *old, size_t old_len, size_t new_len,
				  int flags, ...)
{
	void *new_addr = NULL;
	va_list ap;

	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	return sys_result_ptr(ksim_vfs_mremap(old, old_len, new_len, flags,
					      new_addr));
}

/* kcov files have no read/write methods and are not seekable (spec 1.5). */
KCOV_SIM_API notrace ssize_t read(int fd, void *buf, size_t len)
{
	if (unlikely(ksim_vfs_is_kcov(fd)))
		return sys_result(-EINVAL);
	return sys_result(ksim_libc_read(fd, buf, len));
}

KCOV_SIM_API notrace ssize_t write(int fd, const void *buf, size_t len)
{
	if (unlikely(ksim_vfs_is_kcov(fd)))
		return sys_result(-EINVAL);
	return sys_result(ksim_libc_write(fd, buf, len));
}

KCOV_SIM_API notrace off_t lseek(int fd, off_t off, int whence)
{
	if (unlikely(ksim_vfs_is_kcov(fd)))
		return sys_result(-ESPIPE);
	return sys_result(ksim_libc_lseek(fd, off, whence));
}

KCOV_SIM_API notrace off_t lseek64(int fd, off_t off, int whence)
	__attribute__((alias("lseek")));

/* A kcov file is opened non-seekable: positional I/O is ESPIPE. */
KCOV_SIM_API notrace ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	if (unlikely(ksim_vfs_is_kcov(fd)))
		return sys_result(-ESPIPE);
	return sys_result(ksim_libc_pread(fd, buf, len, off));
}

KCOV_SIM_API notrace ssize_t pread64(int fd, void *buf, size_t len, off_t off)
	__attribute__((alias("pread")));

KCOV_SIM_API notrace ssize_t pwrite(int fd, const void *buf, size_t len,
				    off_t off)
{
	if (unlikely(ksim_vfs_is_kcov(fd)))
		return sys_result(-ESPIPE);
	return sys_result(ksim_libc_pwrite(fd, buf, len, off));
}

KCOV_SIM_API notrace ssize_t pwrite64(int fd, const void *buf, size_t len,
				      off_t off) __attribute__((alias("pwrite")));

KCOV_SIM_API notrace ssize_t readv(int fd, const struct iovec *iov, int n)
{
	if (unlikely(ksim_vfs_is_kcov(fd)))
		return sys_result(-EINVAL);
	return sys_result(ksim_libc_readv(fd, iov, n));
}

KCOV_SIM_API notrace ssize_t writev(int fd, const struct iovec *iov, int n)
{
	if (unlikely(ksim_vfs_is_kcov(fd)))
		return sys_result(-EINVAL);
	return sys_result(ksim_libc_writev(fd, iov, n));
}

/* F_DUPFD copies an fd like dup(): the hint follows. Results pass as they
 * are: F_GETOWN may return a negative process group. */
KCOV_SIM_API notrace int fcntl(int fd, int cmd, ...)
{
	unsigned long arg;
	va_list ap;
	int ret;

	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	ret = ksim_next_fcntl(fd, cmd, arg);
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		ksim_vfs_dupfd(fd, ret);
	return ret;
}

KCOV_SIM_API notrace int fcntl64(int fd, int cmd, ...)
	__attribute__((alias("fcntl")));

/* ---- pthread_create: kcov_handle follows new threads ------------------- */

struct thread_start {
	void		*(*fn)(void *);
	void		*arg;
	uint64_t	kcov_handle;
};

static notrace void *thread_trampoline(void *p)
{
	struct thread_start start = *(struct thread_start *)p;

	free(p);
	ksim_current.kcov_handle = start.kcov_handle;
	return start.fn(start.arg);
}

KCOV_SIM_API notrace int pthread_create(pthread_t *thread,
					const pthread_attr_t *attr,
					void *(*fn)(void *), void *arg)
{
	uint64_t handle = ksim_current.kcov_handle;
	struct thread_start *start;
	int ret;

	if (!handle)
		return -ksim_libc_pthread_create(thread, attr, fn, arg);
	start = ksim_malloc(sizeof(*start));
	if (!start)
		return EAGAIN;
	start->fn = fn;
	start->arg = arg;
	start->kcov_handle = handle;
	ret = -ksim_libc_pthread_create(thread, attr, thread_trampoline, start);
	if (ret)
		free(start);
	return ret;
}
