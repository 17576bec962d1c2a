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
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"

__attribute__((constructor)) static notrace void shim_init(void)
{
	ksim_fork_init();
}

/*
 * A raw system call instruction (syscall, int 0x80) bypasses every front
 * door: an ioctl so made reaches the memfd behind a kcov fd (ENOTTY), an
 * open of the device's name the real file system (ENOENT). Neither can be
 * simulated, and only one trace of them can be seen: devices opened
 * through libc that no ioctl ever reached are still open at exit. Then
 * say so, once. Each flag is written once (no store per fork-server child).
 */
static bool opened_by_name;	/* a device was opened by its name */
static bool ioctl_seen;		/* an ioctl came while a kcov file existed */

static notrace void note(bool *flag)
{
	if (unlikely(!READ_ONCE(*flag)))
		WRITE_ONCE(*flag, true);
}

__attribute__((destructor)) static notrace void raw_check(void)
{
	int alive;

	if (!READ_ONCE(opened_by_name) || READ_ONCE(ioctl_seen))
		return;
	alive = kcov_sim_device_count();
	if (alive > 0)
		fprintf(stderr, "kcov-sim: %d kcov device(s) still open at exit "
			"got no ioctl through libc or syscall(): raw system "
			"call instructions (syscall, int 0x80) reach the "
			"memfd behind the fd, not the simulated device\n", alive);
}

/* ---- (a) explicit API -------------------------------------------------- */

KCOV_SIM_API notrace int kcov_sim_open(void)
{
	return (int)sys_result(ksim_vfs_open(O_RDWR));
}

KCOV_SIM_API notrace int kcov_sim_ioctl(int fd, unsigned long cmd,
					unsigned long arg)
{
	note(&ioctl_seen);
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

/*
 * Does @path, relative to @dirfd (openat2's @resolve), name the kcov file?
 * 1 (and *@dir: it ended in a slash), 0 for any other file, which is the
 * kernel's, or the -errno of a walk that reaches the file and fails there.
 * The magic link of an fd reopens that fd's file (path.c).
 */
static notrace int kcov_target(int dirfd, const char *path,
			       unsigned long resolve, bool *dir)
{
	struct ksim_path p;

	ksim_path_lookup(dirfd, path, resolve, ksim_vfs_any(), &p);
	if (p.kind == KSIM_PATH_OTHER ||
	    (p.kind == KSIM_PATH_FD && !ksim_vfs_fd_is_kcov(p.fd)))
		return 0;
	*dir = p.dir;
	return p.err ? p.err : 1;
}

/*
 * open of the kcov file (@target from kcov_target()): the kernel's checks
 * of the flags first (build_open_flags(), before it reads the name), then
 * the walk's verdict, then the file's (vfs.c). open() and openat() keep
 * only the flags O_PATH allows (build_open_how()).
 */
static notrace int open_kcov(int target, int flags, mode_t mode, bool dir)
{
	int ret = ksim_libc_open_check(flags, mode);

	if (ret)
		return ret;
	if (target < 0)
		return target;
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	ret = ksim_vfs_open_file(flags, dir);
	if (ret >= 0 && !(flags & O_PATH))
		note(&opened_by_name);
	return ret;
}

static notrace bool wants_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

static notrace int do_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	bool dir = false;
	int target = kcov_target(dirfd, path, 0, &dir);

	if (target)
		return (int)sys_result(open_kcov(target, flags, mode, dir));
	return (int)sys_result(ksim_fwd_openat(dirfd, path, flags, mode));
}

KCOV_SIM_API notrace int open(const char *path, int flags, ...)
{
	bool dir = false;
	mode_t mode = 0;
	va_list ap;
	int target;

	if (wants_mode(flags)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	target = kcov_target(AT_FDCWD, path, 0, &dir);
	if (target)
		return (int)sys_result(open_kcov(target, flags, mode, dir));
	return (int)sys_result(ksim_fwd_open(path, flags, mode));
}

KCOV_SIM_API notrace int open64(const char *path, int flags, ...)
	__attribute__((alias("open")));

KCOV_SIM_API notrace int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (wants_mode(flags)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return do_openat(dirfd, path, flags, mode);
}

KCOV_SIM_API notrace int openat64(int dirfd, const char *path, int flags, ...)
	__attribute__((alias("openat")));

/* _FORTIFY_SOURCE turns two-argument open() calls into these. */
KCOV_SIM_API notrace int __open_2(const char *path, int flags)
{
	return do_openat(AT_FDCWD, path, flags, 0);
}

KCOV_SIM_API notrace int __open64_2(const char *path, int flags)
	__attribute__((alias("__open_2")));

KCOV_SIM_API notrace int __openat_2(int dirfd, const char *path, int flags)
{
	return do_openat(dirfd, path, flags, 0);
}

KCOV_SIM_API notrace int __openat64_2(int dirfd, const char *path, int flags)
	__attribute__((alias("__openat_2")));

/* glibc's creat() opens by its internal name: not through open(). */
KCOV_SIM_API notrace int creat(const char *path, mode_t mode)
{
	return do_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

KCOV_SIM_API notrace int creat64(const char *path, mode_t mode)
	__attribute__((alias("creat")));

KCOV_SIM_API notrace int ioctl(int fd, unsigned long cmd, ...)
{
	unsigned long arg;
	va_list ap;

	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	if (likely(!ksim_vfs_active()))
		return (int)sys_result(ksim_libc_ioctl(fd, cmd, arg));
	note(&ioctl_seen);
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

/* ---- syscall(2): the same calls by number ------------------------------- */

/*
 * open, creat, openat and openat2 by number. The name is copied as the
 * kernel copies it (a bad pointer is the kernel's EFAULT, never our
 * crash: fuzzers pass any pointer); a name that is not the kcov file, and
 * anything this cannot read, goes to the kernel exactly as it was given.
 */
static notrace long sys_open_nr(long nr, const long *a)
{
	unsigned long path_arg = (unsigned long)a[0], resolve = 0;
	int dirfd = AT_FDCWD, flags = (int)a[1], target, ret;
	mode_t mode = (mode_t)a[2];
	char path[4096];
	struct open_how how;
	bool dir = false;

	if (nr == SYS_creat) {
		flags = O_CREAT | O_WRONLY | O_TRUNC;
		mode = (mode_t)a[1];
	} else if (nr == SYS_openat || nr == SYS_openat2) {
		dirfd = (int)a[0];
		path_arg = (unsigned long)a[1];
		flags = (int)a[2];
		mode = (mode_t)a[3];
	}
	if (nr == SYS_openat2) {
		/* Its size and struct checks come first: the kernel's. */
		if ((size_t)a[3] < sizeof(struct open_how) || (size_t)a[3] > KSIM_PAGE_SIZE ||
		    ksim_copy_from_user(&how, (unsigned long)a[2], sizeof(how)))
			goto kernel;
		resolve = how.resolve;
	}
	if (ksim_strncpy_from_user(path, path_arg, sizeof(path)) < 0)
		goto kernel;
	target = kcov_target(dirfd, path, resolve, &dir);
	if (!target)
		goto kernel;
	if (nr != SYS_openat2)
		return sys_result(open_kcov(target, flags, mode, dir));
	/* openat2 refuses what open() silently drops: the kernel checks. */
	ret = ksim_libc_openat2_check((unsigned long)a[2], (size_t)a[3]);
	if (!ret)
		ret = target < 0 ? target : ksim_vfs_open_file((int)how.flags, dir);
	if (ret >= 0 && !(how.flags & O_PATH))
		note(&opened_by_name);
	return sys_result(ret);
kernel:
	return ksim_next_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* The fd-level calls a kcov file refuses (spec 1.5). */
static notrace int refused(long nr)
{
	switch (nr) {
	case SYS_lseek:
	case SYS_pread64:
	case SYS_pwrite64:
		return -ESPIPE;		/* opened non-seekable */
	default:
		return -EINVAL;		/* no read/write methods */
	}
}

static notrace int exec_common(const char *path, bool search, int dirfd,
			       int flags, char *const argv[], char *const envp[]);

/*
 * The calls that touch a kcov fd, mapping or name, as libc's interposers
 * handle them (one code path: vfs.c); while no kcov file exists they, and
 * every other call, go to libc's syscall() as given, so errno and the
 * result are exactly syscall(2)'s. Arguments are read as the kernel reads
 * them: an fd is an unsigned int, an ioctl request too.
 */
KCOV_SIM_API notrace long syscall(long nr, ...)
{
	long a[6];
	va_list ap;
	int i, fd;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	fd = (int)a[0];
	switch (nr) {
	case SYS_execve:
		return exec_common((const char *)a[0], false, AT_FDCWD, 0,
				   (char *const *)a[1], (char *const *)a[2]);
	case SYS_execveat:
		return exec_common((const char *)a[1], false, (int)a[0], (int)a[4],
				   (char *const *)a[2], (char *const *)a[3]);
	case SYS_open:
	case SYS_creat:
	case SYS_openat:
	case SYS_openat2:
		return sys_open_nr(nr, a);
	case SYS_fcntl: {
		long ret = ksim_next_syscall(nr, a[0], a[1], a[2], 0, 0, 0);

		if ((int)a[1] == F_DUPFD || (int)a[1] == F_DUPFD_CLOEXEC)
			ksim_vfs_dupfd(fd, (int)ret);
		return ret;
	}
	case SYS_read:
	case SYS_write:
	case SYS_lseek:
	case SYS_pread64:
	case SYS_pwrite64:
	case SYS_readv:
	case SYS_writev:
		if (unlikely(ksim_vfs_is_kcov(fd)))
			return sys_result(refused(nr));
		break;
	default:
		break;
	}
	if (likely(!ksim_vfs_active()))
		return ksim_next_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	switch (nr) {
	case SYS_ioctl:
		note(&ioctl_seen);
		return sys_result(ksim_vfs_ioctl(fd, (unsigned long)a[1],
						 (unsigned long)a[2]));
	case SYS_mmap:
		return (long)sys_result_ptr(ksim_vfs_mmap((void *)a[0], (size_t)a[1],
							  (int)a[2], (int)a[3],
							  (int)a[4], a[5]));
	case SYS_munmap:
		return sys_result(ksim_vfs_munmap((void *)a[0], (size_t)a[1]));
	case SYS_mremap:
		return (long)sys_result_ptr(ksim_vfs_mremap((void *)a[0], (size_t)a[1],
							    (size_t)a[2], (int)a[3],
							    (void *)a[4]));
	case SYS_close:
		return sys_result(ksim_vfs_close(fd));
	case SYS_close_range:
		return sys_result(ksim_vfs_close_range((unsigned int)a[0],
						       (unsigned int)a[1],
						       (int)a[2]));
	case SYS_dup:
		return sys_result(ksim_vfs_dup(fd));
	case SYS_dup2:
		return sys_result(ksim_vfs_dup3(fd, (int)a[1], 0, false));
	case SYS_dup3:
		return sys_result(ksim_vfs_dup3(fd, (int)a[1], (int)a[2], true));
	default:
		return ksim_next_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
}

/* ---- exec: the task's KCOV state goes on in the new image (exec.c) -------- */

/* An exec front door. Returns only on failure, like the call. */
static notrace int exec_common(const char *path, bool search, int dirfd,
			       int flags, char *const argv[], char *const envp[])
{
	char proc[64 + 4096];
	const char *look = path;
	struct ksim_exec x;
	int ret;

	/* What execveat() runs, for the look at it only. */
	if (dirfd != AT_FDCWD && path && path[0] != '/') {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d%s%s", dirfd,
			 *path ? "/" : "", path);
		look = proc;
	}
	ret = ksim_exec_prepare(look, search, envp, &x);
	if (!ret) {
		if (search)
			ret = ksim_libc_execvpe(path, argv, x.envp);
		else if (dirfd != AT_FDCWD || flags)
			ret = ksim_libc_execveat(dirfd, path, argv, x.envp, flags);
		else
			ret = ksim_libc_execve(path, argv, x.envp);
	}
	ksim_exec_abort(&x);
	return (int)sys_result(ret);
}

KCOV_SIM_API notrace int execve(const char *path, char *const argv[],
				char *const envp[])
{
	return exec_common(path, false, AT_FDCWD, 0, argv, envp);
}

KCOV_SIM_API notrace int execv(const char *path, char *const argv[])
{
	return exec_common(path, false, AT_FDCWD, 0, argv, environ);
}

KCOV_SIM_API notrace int execvpe(const char *file, char *const argv[],
				 char *const envp[])
{
	return exec_common(file, true, AT_FDCWD, 0, argv, envp);
}

KCOV_SIM_API notrace int execvp(const char *file, char *const argv[])
{
	return exec_common(file, true, AT_FDCWD, 0, argv, environ);
}

KCOV_SIM_API notrace int execveat(int dirfd, const char *path,
				  char *const argv[], char *const envp[],
				  int flags)
{
	return exec_common(path, false, dirfd, flags, argv, envp);
}

KCOV_SIM_API notrace int fexecve(int fd, char *const argv[], char *const envp[])
{
	return exec_common("", false, fd, AT_EMPTY_PATH, argv, envp);
}

/* execl(path, arg0, ..., NULL[, envp]): the argument list as an array. */
#define EXECL(path, arg, search, with_env) ({				\
	va_list __ap;							\
	size_t __n = 1;							\
	char *const *__envp;						\
									\
	va_start(__ap, arg);						\
	while (va_arg(__ap, char *))					\
		__n++;							\
	va_end(__ap);							\
	char *__argv[__n + 1];						\
	va_start(__ap, arg);						\
	__argv[0] = (char *)(arg);					\
	for (size_t __i = 1; __i <= __n; __i++)				\
		__argv[__i] = va_arg(__ap, char *);			\
	__envp = (with_env) ? va_arg(__ap, char *const *) : environ;	\
	va_end(__ap);							\
	exec_common((path), (search), AT_FDCWD, 0, __argv, __envp);	\
})

KCOV_SIM_API notrace int execl(const char *path, const char *arg, ...)
{
	return EXECL(path, arg, false, false);
}

KCOV_SIM_API notrace int execlp(const char *file, const char *arg, ...)
{
	return EXECL(file, arg, true, false);
}

KCOV_SIM_API notrace int execle(const char *path, const char *arg, ...)
{
	return EXECL(path, arg, false, true);
}

/* ---- fopen and freopen: glibc opens by its internal name ----------------- */

/* What glibc's FILE keeps of the mode (libio.h's _IO_* values). */
#define FILE_NO_READS		0x0004
#define FILE_NO_WRITES		0x0008
#define FILE_IS_APPENDING	0x1000
#define FILE_MODE_BITS		(FILE_NO_READS | FILE_NO_WRITES | FILE_IS_APPENDING)

/*
 * fopen()'s @mode as open(2) flags, glibc's reading of it (the first
 * character, then up to six of "+xbmce"): 0 or -EINVAL. *@bits: the FILE's
 * mode bits.
 */
static notrace int mode_flags(const char *mode, int *flags, int *bits)
{
	int i;

	switch (mode[0]) {
	case 'r':
		*flags = O_RDONLY;
		*bits = FILE_NO_WRITES;
		break;
	case 'w':
		*flags = O_WRONLY | O_CREAT | O_TRUNC;
		*bits = FILE_NO_READS;
		break;
	case 'a':
		*flags = O_WRONLY | O_CREAT | O_APPEND;
		*bits = FILE_NO_READS | FILE_IS_APPENDING;
		break;
	default:
		return -EINVAL;
	}
	for (i = 1; i < 7 && mode[i]; i++) {
		if (mode[i] == '+') {
			*flags = (*flags & ~O_ACCMODE) | O_RDWR;
			*bits &= ~(FILE_NO_READS | FILE_NO_WRITES);
		} else if (mode[i] == 'x') {
			*flags |= O_EXCL;
		} else if (mode[i] == 'e') {
			*flags |= O_CLOEXEC;
		}
	}
	return 0;
}

/* An open of the kcov file (@target, @dir) as fopen(@mode) makes it. */
static notrace int fopen_kcov(int target, bool dir, const char *mode, int *bits)
{
	int flags, ret = mode_flags(mode, &flags, bits);

	return ret ? ret : open_kcov(target, flags, 0666, dir);
}

static notrace FILE *do_fopen(const char *path, const char *mode, bool is64)
{
	bool dir = false;
	int target = kcov_target(AT_FDCWD, path, 0, &dir), fd, bits, err;
	FILE *f;

	if (!target)
		return ksim_next_fopen(path, mode, is64);
	fd = fopen_kcov(target, dir, mode, &bits);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	f = fdopen(fd, mode);
	if (!f) {
		err = errno;
		ksim_vfs_close(fd);
		errno = err;
	}
	return f;
}

KCOV_SIM_API notrace FILE *fopen(const char *path, const char *mode)
{
	return do_fopen(path, mode, false);
}

KCOV_SIM_API notrace FILE *fopen64(const char *path, const char *mode)
{
	return do_fopen(path, mode, true);
}

/*
 * @f now reads and writes @fd, as freopen() leaves it: flushed and
 * emptied, on the fd number it had (glibc keeps it, with dup3()), with
 * the new mode's @bits, no error or EOF, no orientation, no position.
 */
static notrace FILE *stream_adopt(FILE *f, int fd, int bits, bool cloexec)
{
	int old;

	flockfile(f);
	old = fileno(f);
	__fpurge(f);
	if (old >= 0 && old != fd) {
		if (ksim_vfs_dup3(fd, old, cloexec ? O_CLOEXEC : 0, true) >= 0) {
			ksim_vfs_close(fd);
			fd = old;
		}
	}
	f->_fileno = fd;
	f->_flags = (f->_flags & ~FILE_MODE_BITS) | bits;
	f->_offset = -1;	/* _IO_pos_BAD: ask the fd */
	f->_mode = 0;
	clearerr_unlocked(f);
	funlockfile(f);
	return f;
}

/* freopen() that failed: the stream is closed, as glibc leaves it. */
static notrace FILE *stream_lost(FILE *f, int err)
{
	flockfile(f);
	if (fileno(f) >= 0)
		ksim_vfs_close(fileno(f));
	f->_fileno = -1;
	funlockfile(f);
	errno = -err;
	return NULL;
}

/*
 * freopen() of the kcov file, or (@target 0) of another file where libc
 * has no freopen for us to call: a static executable. NULL @path reopens
 * the stream's own file, as glibc does through /proc/self/fd.
 */
static notrace FILE *freopen_ours(int target, bool dir, const char *path,
				  const char *mode, FILE *f)
{
	int flags, bits, fd;

	fflush(f);
	if (target) {
		fd = fopen_kcov(target, dir, mode, &bits);
	} else {
		fd = mode_flags(mode, &flags, &bits);
		if (!fd)
			fd = ksim_fwd_open(path, flags, 0666);
	}
	if (fd < 0)
		return stream_lost(f, fd);
	return stream_adopt(f, fd, bits, strchr(mode, 'e') != NULL);
}

/*
 * glibc closes a stream's fd by its internal name, unseen: a kcov file
 * would never be released. A copy of the fd, closed through the kcov
 * file's own close once libc is done, makes its release check run.
 */
static notrace int keep_kcov(FILE *f)
{
	int fd = fileno(f);

	return fd >= 0 && ksim_vfs_is_kcov(fd) ? ksim_libc_dup(fd) : -1;
}

static notrace void drop_kcov(int keep)
{
	int err = errno;

	if (keep >= 0)
		ksim_vfs_close(keep);
	errno = err;
}

KCOV_SIM_API notrace int fclose(FILE *f)
{
	int keep = keep_kcov(f), ret;

	ret = ksim_next_fclose(f);
	drop_kcov(keep);
	return ret;
}

static notrace FILE *do_freopen(const char *path, const char *mode, FILE *f,
				bool is64)
{
	char self[40];
	bool dir = false, none;
	int target, keep;
	FILE *ret;

	if (!path) {
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fileno(f));
		target = kcov_target(AT_FDCWD, self, 0, &dir);
	} else {
		target = kcov_target(AT_FDCWD, path, 0, &dir);
	}
	if (target)
		return freopen_ours(target, dir, path, mode, f);
	keep = keep_kcov(f);
	ret = ksim_next_freopen(path, mode, f, is64, &none);
	if (none)
		ret = freopen_ours(0, false, path ? path : self, mode, f);
	drop_kcov(keep);
	return ret;
}

KCOV_SIM_API notrace FILE *freopen(const char *path, const char *mode, FILE *f)
{
	return do_freopen(path, mode, f, false);
}

KCOV_SIM_API notrace FILE *freopen64(const char *path, const char *mode, FILE *f)
{
	return do_freopen(path, mode, f, true);
}

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
		return -ksim_fwd_pthread_create(thread, attr, fn, arg);
	start = ksim_malloc(sizeof(*start));
	if (!start)
		return EAGAIN;
	start->fn = fn;
	start->arg = arg;
	start->kcov_handle = handle;
	ret = -ksim_fwd_pthread_create(thread, attr, thread_trampoline, start);
	if (ret)
		free(start);
	return ret;
}
