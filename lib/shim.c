/* SPDX-License-Identifier: MIT */
/*
 * shim.c - the two front doors.
 *
 * (a) kcov_sim_open/ioctl/mmap/munmap/close: the syscalls, one to one.
 * (b) libc interposers, so an unmodified program that opens
 *     /sys/kernel/debug/kcov works when linked with -lkcov-sim or run under
 *     LD_PRELOAD. Every other path, fd and request goes to the next
 *     definition untouched; while no device exists that costs one relaxed
 *     load. Besides open/ioctl/mmap/munmap/close, the calls that can drop
 *     the last fd or mapping of a file (dup2, dup3, close_range, mremap) and
 *     the ones a kcov file refuses (read, write, lseek and their positional
 *     and vector forms) are interposed; fcntl(F_DUPFD) carries the hint. pthread_create() is wrapped so new threads inherit kcov_handle,
 *     as clone() copies it (spec 3.2).
 *
 * "Next definition": a sanitizer's interceptor when there is one (its
 * __interceptor_ alias: a statically linked runtime sits in the same object
 * as a statically linked libkcov-sim, out of RTLD_NEXT's reach), else libc.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"

#define KCOV_PATH	"/sys/kernel/debug/kcov"

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef int (*munmap_fn)(void *, size_t);
typedef int (*close_fn)(int);
typedef int (*dup_fn)(int);
typedef int (*dup2_fn)(int, int);
typedef int (*dup3_fn)(int, int, int);
typedef int (*close_range_fn)(unsigned int, unsigned int, int);
typedef void *(*mremap_fn)(void *, size_t, size_t, int, ...);
typedef ssize_t (*read_fn)(int, void *, size_t);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef off_t (*lseek_fn)(int, off_t, int);
typedef ssize_t (*pread_fn)(int, void *, size_t, off_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*readv_fn)(int, const struct iovec *, int);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef int (*fcntl_fn)(int, int, ...);
typedef int (*pthread_create_fn)(pthread_t *, const pthread_attr_t *,
				 void *(*)(void *), void *);

#define SANITIZER_ALIAS(ret, name, ...) \
	extern ret __interceptor_##name(__VA_ARGS__) __attribute__((weak))
SANITIZER_ALIAS(int, open, const char *, int, ...);
SANITIZER_ALIAS(int, openat, int, const char *, int, ...);
SANITIZER_ALIAS(int, ioctl, int, unsigned long, ...);
SANITIZER_ALIAS(void *, mmap, void *, size_t, int, int, int, off_t);
SANITIZER_ALIAS(int, munmap, void *, size_t);
SANITIZER_ALIAS(int, close, int);
SANITIZER_ALIAS(int, dup, int);
SANITIZER_ALIAS(int, dup2, int, int);
SANITIZER_ALIAS(int, dup3, int, int, int);
SANITIZER_ALIAS(int, close_range, unsigned int, unsigned int, int);
SANITIZER_ALIAS(void *, mremap, void *, size_t, size_t, int, ...);
SANITIZER_ALIAS(ssize_t, read, int, void *, size_t);
SANITIZER_ALIAS(ssize_t, write, int, const void *, size_t);
SANITIZER_ALIAS(off_t, lseek, int, off_t, int);
SANITIZER_ALIAS(ssize_t, pread, int, void *, size_t, off_t);
SANITIZER_ALIAS(ssize_t, pwrite, int, const void *, size_t, off_t);
SANITIZER_ALIAS(ssize_t, readv, int, const struct iovec *, int);
SANITIZER_ALIAS(ssize_t, writev, int, const struct iovec *, int);
SANITIZER_ALIAS(int, fcntl, int, int, ...);
SANITIZER_ALIAS(int, pthread_create, pthread_t *, const pthread_attr_t *,
		void *(*)(void *), void *);

static notrace bool in_our_object(void *fn)
{
	Dl_info a, b;

	return dladdr(fn, &a) && dladdr((void *)in_our_object, &b) &&
	       a.dli_fbase == b.dli_fbase;
}

/* Resolved on first use: instrumented constructors may run before ours. */
#define REAL(name)							\
static notrace name##_fn real_##name(void)				\
{									\
	static name##_fn fn;						\
	name##_fn f = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);		\
									\
	if (unlikely(!f)) {						\
		f = (name##_fn)__interceptor_##name;			\
		if (!f || !in_our_object((void *)f))			\
			f = (name##_fn)dlsym(RTLD_NEXT, #name);		\
		if (!f)							\
			abort();	/* no libc: nothing can work */	\
		__atomic_store_n(&fn, f, __ATOMIC_RELEASE);		\
	}								\
	return f;							\
}
REAL(open)
REAL(openat)
REAL(ioctl)
REAL(mmap)
REAL(munmap)
REAL(close)
REAL(dup)
REAL(dup2)
REAL(dup3)
REAL(close_range)
REAL(mremap)
REAL(read)
REAL(write)
REAL(lseek)
REAL(pread)
REAL(pwrite)
REAL(readv)
REAL(writev)
REAL(fcntl)
REAL(pthread_create)

notrace int ksim_real_close(int fd)
{
	return real_close()(fd);
}

notrace void *ksim_real_mmap(void *addr, size_t len, int prot, int flags,
			     int fd, off_t off)
{
	return real_mmap()(addr, len, prot, flags, fd, off);
}

notrace int ksim_real_munmap(void *addr, size_t len)
{
	return real_munmap()(addr, len);
}

notrace int ksim_real_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	return real_ioctl()(fd, cmd, arg);
}

notrace int ksim_real_dup2(int oldfd, int newfd)
{
	return real_dup2()(oldfd, newfd);
}

notrace int ksim_real_dup3(int oldfd, int newfd, int flags)
{
	return real_dup3()(oldfd, newfd, flags);
}

notrace int ksim_real_close_range(unsigned int first, unsigned int last, int flags)
{
	return real_close_range()(first, last, flags);
}

notrace void *ksim_real_mremap(void *old, size_t old_len, size_t new_len,
			       int flags, void *new_addr)
{
	return real_mremap()(old, old_len, new_len, flags, new_addr);
}

/* ---- (a) explicit API -------------------------------------------------- */

KCOV_SIM_API notrace int kcov_sim_open(void)
{
	return sys_result(ksim_dev_open(O_RDWR));
}

KCOV_SIM_API notrace int kcov_sim_ioctl(int fd, unsigned long cmd,
					unsigned long arg)
{
	return ksim_dev_ioctl(fd, cmd, arg);
}

KCOV_SIM_API notrace void *kcov_sim_mmap(void *addr, size_t len, int prot,
					 int flags, int fd, off_t off)
{
	return ksim_file_mmap(addr, len, prot, flags, fd, off);
}

KCOV_SIM_API notrace int kcov_sim_munmap(void *addr, size_t len)
{
	return ksim_file_munmap(addr, len);
}

KCOV_SIM_API notrace int kcov_sim_close(int fd)
{
	return ksim_file_close(fd);
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
		return sys_result(ksim_dev_open(flags));
	if (wants_mode(flags)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return real_open()(path, flags, mode);
}

KCOV_SIM_API notrace int open64(const char *path, int flags, ...)
	__attribute__((alias("open")));

KCOV_SIM_API notrace int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	/* An absolute path ignores dirfd. */
	if (is_kcov_path(path))
		return sys_result(ksim_dev_open(flags));
	if (wants_mode(flags)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return real_openat()(dirfd, path, flags, mode);
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
	if (likely(!ksim_devices_exist()))
		return real_ioctl()(fd, cmd, arg);
	return ksim_dev_ioctl(fd, cmd, arg);
}

KCOV_SIM_API notrace void *mmap(void *addr, size_t len, int prot, int flags,
				int fd, off_t off)
{
	return ksim_file_mmap(addr, len, prot, flags, fd, off);
}

KCOV_SIM_API notrace void *mmap64(void *addr, size_t len, int prot, int flags,
				  int fd, off_t off) __attribute__((alias("mmap")));

KCOV_SIM_API notrace int munmap(void *addr, size_t len)
{
	return ksim_file_munmap(addr, len);
}

KCOV_SIM_API notrace int close(int fd)
{
	return ksim_file_close(fd);
}

KCOV_SIM_API notrace int dup(int fd)
{
	int ret = real_dup()(fd);

	if (ret >= 0 && ksim_fd_is_kcov(fd))
		ksim_fd_mark(ret, true);
	return ret;
}

KCOV_SIM_API notrace int dup2(int oldfd, int newfd)
{
	return ksim_file_dup3(oldfd, newfd, 0, false);
}

KCOV_SIM_API notrace int dup3(int oldfd, int newfd, int flags)
{
	return ksim_file_dup3(oldfd, newfd, flags, true);
}

KCOV_SIM_API notrace int close_range(unsigned int first, unsigned int last,
				     int flags)
{
	return ksim_file_close_range(first, last, flags);
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
	return ksim_file_mremap(old, old_len, new_len, flags, new_addr);
}

/* kcov files have no read/write methods and are not seekable (spec 1.5). */
KCOV_SIM_API notrace ssize_t read(int fd, void *buf, size_t len)
{
	if (unlikely(ksim_fd_is_kcov(fd)))
		return sys_result(-EINVAL);
	return real_read()(fd, buf, len);
}

KCOV_SIM_API notrace ssize_t write(int fd, const void *buf, size_t len)
{
	if (unlikely(ksim_fd_is_kcov(fd)))
		return sys_result(-EINVAL);
	return real_write()(fd, buf, len);
}

KCOV_SIM_API notrace off_t lseek(int fd, off_t off, int whence)
{
	if (unlikely(ksim_fd_is_kcov(fd)))
		return sys_result(-ESPIPE);
	return real_lseek()(fd, off, whence);
}

KCOV_SIM_API notrace off_t lseek64(int fd, off_t off, int whence)
	__attribute__((alias("lseek")));

/* A kcov file is opened non-seekable: positional I/O is ESPIPE. */
KCOV_SIM_API notrace ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	if (unlikely(ksim_fd_is_kcov(fd)))
		return sys_result(-ESPIPE);
	return real_pread()(fd, buf, len, off);
}

KCOV_SIM_API notrace ssize_t pread64(int fd, void *buf, size_t len, off_t off)
	__attribute__((alias("pread")));

KCOV_SIM_API notrace ssize_t pwrite(int fd, const void *buf, size_t len,
				    off_t off)
{
	if (unlikely(ksim_fd_is_kcov(fd)))
		return sys_result(-ESPIPE);
	return real_pwrite()(fd, buf, len, off);
}

KCOV_SIM_API notrace ssize_t pwrite64(int fd, const void *buf, size_t len,
				      off_t off) __attribute__((alias("pwrite")));

KCOV_SIM_API notrace ssize_t readv(int fd, const struct iovec *iov, int n)
{
	if (unlikely(ksim_fd_is_kcov(fd)))
		return sys_result(-EINVAL);
	return real_readv()(fd, iov, n);
}

KCOV_SIM_API notrace ssize_t writev(int fd, const struct iovec *iov, int n)
{
	if (unlikely(ksim_fd_is_kcov(fd)))
		return sys_result(-EINVAL);
	return real_writev()(fd, iov, n);
}

/* F_DUPFD copies an fd like dup(): the hint follows. */
KCOV_SIM_API notrace int fcntl(int fd, int cmd, ...)
{
	void *arg;
	va_list ap;
	int ret;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	ret = real_fcntl()(fd, cmd, arg);
	if (ret >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) &&
	    ksim_fd_is_kcov(fd))
		ksim_fd_mark(ret, true);
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
		return real_pthread_create()(thread, attr, fn, arg);
	start = malloc(sizeof(*start));
	if (!start)
		return EAGAIN;
	start->fn = fn;
	start->arg = arg;
	start->kcov_handle = handle;
	ret = real_pthread_create()(thread, attr, thread_trampoline, start);
	if (ret)
		free(start);
	return ret;
}
