/* SPDX-License-Identifier: MIT */
/*
 * libc.c - the raw libc calls of the library: what its interposers forward
 * to, what its own code calls, and the one place where its allocations
 * are made; and fault injection (sim.h, kcov_sim_fault_set()).
 *
 * Two entry points per call that can be made to fail: ksim_libc_*(), the
 * library's own call, counted and failed on request; ksim_fwd_*(), a call
 * the library makes on its caller's behalf (an interposer passing a user's
 * open() of another file through, the real mmap() of a user's kcov
 * mapping, the user's own pthread_create()), which is the caller's and
 * never counted.
 *
 * "Next definition": a sanitizer's interceptor when there is one (its
 * __interceptor_ alias: a statically linked runtime sits in the same object
 * as a statically linked libkcov-sim, out of RTLD_NEXT's reach), else
 * libc's, from dlsym(RTLD_NEXT). A fully static executable has no dynamic
 * loader to ask (dlsym is a weak reference there, and absent): the system
 * call itself stands in for the libc wrapper, and glibc's internal name for
 * pthread_create.
 *
 * Everything here returns like the kernel: a result, or -errno.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <threads.h>
#include <unistd.h>

#include "internal.h"

/* Weak: absent from a static link, where nothing may pull them in. */
extern void *dlsym(void *, const char *) __attribute__((weak));
extern int dladdr(const void *, Dl_info *) __attribute__((weak));
extern int __pthread_create_2_1(pthread_t *, const pthread_attr_t *,
				void *(*)(void *), void *) __attribute__((weak));

/*
 * A static link takes pthread_create.o (where __pthread_create_2_1 lives)
 * only for an undefined name it defines, and our pthread_create() is
 * defined: without this the weak reference above stays 0 and no thread
 * can be created. thrd_create.o refers to __pthread_create, so a strong
 * reference to thrd_create (libc.so exports it too) brings both in.
 */
static void *const keep_pthread_create __attribute__((used)) = (void *)thrd_create;

/* libc's fopen under its other exported name: ours replaced "fopen". A
 * strong reference, so that a static link takes iofopen.o, whose fopen
 * and fopen64 are weak and never clash with ours. */
extern FILE *_IO_fopen(const char *path, const char *mode);
extern int _IO_fclose(FILE *f);		/* likewise for fclose */

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
SANITIZER_ALIAS(FILE *, fopen, const char *, const char *);
SANITIZER_ALIAS(FILE *, fopen64, const char *, const char *);
SANITIZER_ALIAS(FILE *, freopen, const char *, const char *, FILE *);
SANITIZER_ALIAS(FILE *, freopen64, const char *, const char *, FILE *);
SANITIZER_ALIAS(int, fclose, FILE *);

/* ---- fault injection (sim.h) --------------------------------------------
 * The Nth call of the armed kinds fails, or with KCOV_SIM_FAULT_EVERY every
 * Nth; the counters are global (every thread's calls count). Unarmed, a
 * call costs one relaxed load.
 */
static unsigned int fault_kinds;	/* KCOV_SIM_FAULT_* armed; atomic */
static unsigned long fault_nth;		/* 0: count only; atomic */
static unsigned long fault_calls;	/* since kcov_sim_fault_set(); atomic */
static unsigned long fault_injected;	/* likewise */

/* Should this call of @kind fail? Counts it if @kind is armed. */
static notrace bool fault_hit(unsigned int kind)
{
	unsigned int kinds = READ_ONCE(fault_kinds);
	unsigned long n, nth;

	if (likely(!(kinds & kind)))
		return false;
	n = atomic_add_return(&fault_calls, 1);
	nth = READ_ONCE(fault_nth);
	if (!nth || ((kinds & KCOV_SIM_FAULT_EVERY) ? n % nth : n != nth))
		return false;
	atomic_inc(&fault_injected);
	return true;
}

KCOV_SIM_API notrace int kcov_sim_fault_set(unsigned int kinds, unsigned long nth)
{
	if (kinds & ~(KCOV_SIM_FAULT_ALL | KCOV_SIM_FAULT_EVERY))
		return -EINVAL;
	/* Off while the counters restart, so no call sees half of the new
	 * setting (the setting of racing calls is unordered anyway). */
	WRITE_ONCE(fault_kinds, 0);
	WRITE_ONCE(fault_calls, 0);
	WRITE_ONCE(fault_injected, 0);
	WRITE_ONCE(fault_nth, nth);
	WRITE_ONCE(fault_kinds, kinds);
	return 0;
}

KCOV_SIM_API notrace unsigned long kcov_sim_fault_calls(void)
{
	return READ_ONCE(fault_calls);
}

KCOV_SIM_API notrace unsigned long kcov_sim_fault_injected(void)
{
	return READ_ONCE(fault_injected);
}

static const struct {
	const char	*name;
	unsigned int	kinds;
} fault_names[] = {
	{ "alloc", KCOV_SIM_FAULT_ALLOC },	{ "mmap", KCOV_SIM_FAULT_MMAP },
	{ "memfd", KCOV_SIM_FAULT_MEMFD },	{ "open", KCOV_SIM_FAULT_OPEN },
	{ "thread", KCOV_SIM_FAULT_THREAD },	{ "all", KCOV_SIM_FAULT_ALL },
	{ "every", KCOV_SIM_FAULT_EVERY },
};

/* "<kind>[,<kind>...]:<n>", kinds by name or number; 0 or -EINVAL. */
static notrace int fault_parse(const char *s, unsigned int *kinds,
			       unsigned long *nth)
{
	const char *colon = strchr(s, ':'), *p = s;
	unsigned long v;
	char *end;
	size_t i, len;

	if (!colon)
		return -EINVAL;
	*kinds = 0;
	while (p < colon) {
		len = strcspn(p, ",:");
		for (i = 0; i < ARRAY_SIZE(fault_names); i++)
			if (strlen(fault_names[i].name) == len &&
			    !strncmp(p, fault_names[i].name, len))
				break;
		if (i < ARRAY_SIZE(fault_names)) {
			*kinds |= fault_names[i].kinds;
		} else {
			v = strtoul(p, &end, 0);
			if (end != p + len || !len)
				return -EINVAL;
			*kinds |= (unsigned int)v;
		}
		p += len + (p[len] == ',');
	}
	*nth = strtoul(colon + 1, &end, 10);
	return *end || end == colon + 1 ? -EINVAL : 0;
}

/* KCOV_SIM_FAULT=<kinds>:<n>, at load: before any of the library's calls. */
__attribute__((constructor(101))) static notrace void fault_init(void)
{
	const char *env = getenv("KCOV_SIM_FAULT");
	unsigned long nth;
	unsigned int kinds;

	if (!env || !*env)
		return;
	if (fault_parse(env, &kinds, &nth) || kcov_sim_fault_set(kinds, nth))
		fprintf(stderr, "kcov-sim: KCOV_SIM_FAULT=%s: expected <kinds>:<n>, "
			"kinds alloc,mmap,memfd,open,thread,all[,every]; "
			"no faults injected\n", env);
}

/* ---- the system call, for a static executable -------------------------- */

/* syscall(2) without libc's wrapper, which the library interposes. */
static notrace long raw_syscall(long nr, long a, long b, long c, long d,
				long e, long f)
{
#if defined(__x86_64__)
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
#else
	long ret = syscall(nr, a, b, c, d, e, f);

	return ret < 0 ? -errno : ret;
#endif
}

#define SYS(nr, ...)	raw_syscall_n(nr, __VA_ARGS__)
#define raw_syscall_n(nr, ...) ({					\
	long __a[6] = { __VA_ARGS__ };					\
	raw_syscall((nr), __a[0], __a[1], __a[2], __a[3], __a[4], __a[5]); })

/* A syscall's -errno as libc returns it: -1 and errno. */
static notrace long libc_ret(long ret)
{
	return sys_result(ret);
}

#define L(x)	((long)(x))

static notrace int sys_open(const char *p, int fl, ...)
{
	va_list ap;
	mode_t m;

	va_start(ap, fl);
	m = va_arg(ap, mode_t);
	va_end(ap);
	return (int)libc_ret(SYS(SYS_openat, AT_FDCWD, L(p), fl, m));
}

static notrace int sys_openat(int d, const char *p, int fl, ...)
{
	va_list ap;
	mode_t m;

	va_start(ap, fl);
	m = va_arg(ap, mode_t);
	va_end(ap);
	return (int)libc_ret(SYS(SYS_openat, d, L(p), fl, m));
}

static notrace int sys_ioctl(int fd, unsigned long cmd, ...)
{
	va_list ap;
	unsigned long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	return (int)libc_ret(SYS(SYS_ioctl, fd, L(cmd), L(arg)));
}

static notrace void *sys_mmap(void *a, size_t l, int p, int f, int fd, off_t o)
{
	long ret = SYS(SYS_mmap, L(a), L(l), p, f, fd, o);

	return (void *)sys_result_ptr((void *)ret);
}

static notrace int sys_munmap(void *a, size_t l)
{
	return (int)libc_ret(SYS(SYS_munmap, L(a), L(l)));
}

static notrace int sys_close(int fd)
{
	return (int)libc_ret(SYS(SYS_close, fd));
}

static notrace int sys_dup(int fd)
{
	return (int)libc_ret(SYS(SYS_dup, fd));
}

static notrace int sys_dup2(int o, int n)
{
	/* dup2(fd, fd) checks fd and changes nothing; dup3 would refuse. */
	if (o == n)
		return (int)libc_ret(SYS(SYS_fcntl, o, F_GETFD) < 0 ? -EBADF : o);
	return (int)libc_ret(SYS(SYS_dup3, o, n, 0));
}

static notrace int sys_dup3(int o, int n, int f)
{
	return (int)libc_ret(SYS(SYS_dup3, o, n, f));
}

static notrace int sys_close_range(unsigned int a, unsigned int b, int f)
{
	return (int)libc_ret(SYS(SYS_close_range, a, b, f));
}

static notrace void *sys_mremap(void *o, size_t ol, size_t nl, int f, ...)
{
	va_list ap;
	void *na;

	va_start(ap, f);
	na = va_arg(ap, void *);
	va_end(ap);
	return sys_result_ptr((void *)SYS(SYS_mremap, L(o), L(ol), L(nl), f, L(na)));
}

static notrace ssize_t sys_read(int fd, void *b, size_t l)
{
	return libc_ret(SYS(SYS_read, fd, L(b), L(l)));
}

static notrace ssize_t sys_write(int fd, const void *b, size_t l)
{
	return libc_ret(SYS(SYS_write, fd, L(b), L(l)));
}

static notrace off_t sys_lseek(int fd, off_t o, int w)
{
	return libc_ret(SYS(SYS_lseek, fd, o, w));
}

static notrace ssize_t sys_pread(int fd, void *b, size_t l, off_t o)
{
	return libc_ret(SYS(SYS_pread64, fd, L(b), L(l), o));
}

static notrace ssize_t sys_pwrite(int fd, const void *b, size_t l, off_t o)
{
	return libc_ret(SYS(SYS_pwrite64, fd, L(b), L(l), o));
}

static notrace ssize_t sys_readv(int fd, const struct iovec *v, int n)
{
	return libc_ret(SYS(SYS_readv, fd, L(v), n));
}

static notrace ssize_t sys_writev(int fd, const struct iovec *v, int n)
{
	return libc_ret(SYS(SYS_writev, fd, L(v), n));
}

static notrace int sys_fcntl(int fd, int cmd, ...)
{
	va_list ap;
	unsigned long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	return (int)libc_ret(SYS(SYS_fcntl, fd, cmd, L(arg)));
}

static notrace int sys_pthread_create(pthread_t *t, const pthread_attr_t *a,
				      void *(*fn)(void *), void *arg)
{
	/* Static glibc: its strong name behind the weak pthread_create. */
	return __pthread_create_2_1 ? __pthread_create_2_1(t, a, fn, arg) : ENOSYS;
}

/* syscall(2) itself: -1 and errno for a result in [-4095, -1]. */
static notrace long sys_syscall(long nr, ...)
{
	long a[6], ret;
	va_list ap;
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	ret = raw_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (IS_ERR_VALUE(ret)) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

static notrace FILE *sys_fopen(const char *path, const char *mode)
{
	return _IO_fopen(path, mode);
}

static notrace FILE *sys_fopen64(const char *path, const char *mode)
{
	return _IO_fopen(path, mode);	/* one function on 64-bit glibc */
}

static notrace int sys_fclose(FILE *f)
{
	return _IO_fclose(f);
}

/* A static executable has no freopen but ours: NULL, shim.c stands in. */
#define sys_freopen	NULL
#define sys_freopen64	NULL

/* ---- resolution -------------------------------------------------------- */

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
typedef long (*syscall_fn)(long, ...);
typedef FILE *(*fopen_fn)(const char *, const char *);
typedef FILE *(*fopen64_fn)(const char *, const char *);
typedef FILE *(*freopen_fn)(const char *, const char *, FILE *);
typedef FILE *(*freopen64_fn)(const char *, const char *, FILE *);
typedef int (*fclose_fn)(FILE *);

/* No sanitizer intercepts syscall() itself. */
#define __interceptor_syscall	((syscall_fn)NULL)

/* ---- exec ----------------------------------------------------------------- */

extern int __execvpe(const char *, char *const[], char *const[]) __attribute__((weak));

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*execvpe_fn)(const char *, char *const[], char *const[]);
#define __interceptor_execve	((execve_fn)NULL)
#define __interceptor_execvpe	((execvpe_fn)NULL)

static notrace int sys_execve(const char *p, char *const a[], char *const e[])
{
	return (int)libc_ret(SYS(SYS_execve, L(p), L(a), L(e)));
}

/*
 * Static glibc: its strong name behind the weak execvpe, where something
 * pulled it in; else execvp's PATH search by hand (no ENOEXEC fallback to
 * a shell: a script needs its #! line then).
 */
static notrace int sys_execvpe(const char *f, char *const a[], char *const e[])
{
	const char *path = getenv("PATH"), *colon;
	char buf[4096];
	int err = ENOENT;
	size_t n;

	if (__execvpe)
		return __execvpe(f, a, e);
	if (strchr(f, '/'))
		return sys_execve(f, a, e);
	for (path = path ? path : "/bin:/usr/bin"; ; path = colon + 1) {
		colon = strchrnul(path, ':');
		n = (size_t)(colon - path);
		if (n + strlen(f) + 2 <= sizeof(buf)) {
			memcpy(buf, path, n);
			buf[n] = '/';
			strcpy(buf + n + 1, f);
			sys_execve(n ? buf : f, a, e);
			if (errno != ENOENT && errno != ENOTDIR)
				err = errno;
		}
		if (!*colon)
			break;
	}
	errno = err;
	return -1;
}

/* Is @fn in the same object as this code (a statically linked runtime)? */
static notrace bool in_our_object(void *fn)
{
	Dl_info a, b;

	if (!dladdr)
		return true;	/* static: one object holds everything */
	return dladdr(fn, &a) && dladdr((void *)in_our_object, &b) &&
	       a.dli_fbase == b.dli_fbase;
}

/* Resolved on first use: instrumented constructors may run before ours. */
#define NEXT(name)							\
static notrace name##_fn next_##name(void)				\
{									\
	static name##_fn fn;						\
	name##_fn f = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);		\
									\
	if (unlikely(!f)) {						\
		f = (name##_fn)__interceptor_##name;			\
		if (!f || !in_our_object((void *)f))			\
			f = dlsym ? (name##_fn)dlsym(RTLD_NEXT, #name) : NULL; \
		if (!f)							\
			f = sys_##name;					\
		__atomic_store_n(&fn, f, __ATOMIC_RELEASE);		\
	}								\
	return f;							\
}
NEXT(open)
NEXT(execve)
NEXT(execvpe)
NEXT(openat)
NEXT(ioctl)
NEXT(mmap)
NEXT(munmap)
NEXT(close)
NEXT(dup)
NEXT(dup2)
NEXT(dup3)
NEXT(close_range)
NEXT(mremap)
NEXT(read)
NEXT(write)
NEXT(lseek)
NEXT(pread)
NEXT(pwrite)
NEXT(readv)
NEXT(writev)
NEXT(fcntl)
NEXT(pthread_create)
NEXT(syscall)
NEXT(fopen)
NEXT(fopen64)
NEXT(freopen)
NEXT(freopen64)
NEXT(fclose)

/* libc's -1 and errno, as the kernel's -errno. */
#define KRET(expr) ({ long __r = (long)(expr); __r < 0 ? -errno : __r; })

notrace int ksim_fwd_open(const char *path, int flags, mode_t mode)
{
	return (int)KRET(next_open()(path, flags, mode));
}

notrace int ksim_fwd_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return (int)KRET(next_openat()(dirfd, path, flags, mode));
}

notrace int ksim_libc_open(const char *path, int flags, mode_t mode)
{
	if (fault_hit(KCOV_SIM_FAULT_OPEN))
		return -EMFILE;
	return ksim_fwd_open(path, flags, mode);
}

notrace int ksim_libc_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	if (fault_hit(KCOV_SIM_FAULT_OPEN))
		return -EMFILE;
	return ksim_fwd_openat(dirfd, path, flags, mode);
}

/* opendir(3): libc's, which opens an fd and allocates; NULL and errno. */
notrace DIR *ksim_libc_opendir(const char *path)
{
	if (fault_hit(KCOV_SIM_FAULT_OPEN)) {
		errno = EMFILE;
		return NULL;
	}
	return opendir(path);
}

notrace int ksim_libc_close(int fd)
{
	return (int)KRET(next_close()(fd));
}

notrace int ksim_libc_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	return (int)KRET(next_ioctl()(fd, cmd, arg));
}

notrace void *ksim_fwd_mmap(void *addr, size_t len, int prot, int flags,
			    int fd, off_t off)
{
	void *p = next_mmap()(addr, len, prot, flags, fd, off);

	return p == MAP_FAILED ? ERR_PTR(-errno) : p;
}

notrace void *ksim_libc_mmap(void *addr, size_t len, int prot, int flags,
			     int fd, off_t off)
{
	if (fault_hit(KCOV_SIM_FAULT_MMAP))
		return ERR_PTR(-ENOMEM);
	return ksim_fwd_mmap(addr, len, prot, flags, fd, off);
}

notrace int ksim_libc_munmap(void *addr, size_t len)
{
	return (int)KRET(next_munmap()(addr, len));
}

notrace void *ksim_libc_mremap(void *old, size_t old_len, size_t new_len,
			       int flags, void *new_addr)
{
	void *p = next_mremap()(old, old_len, new_len, flags, new_addr);

	return p == MAP_FAILED ? ERR_PTR(-errno) : p;
}

notrace int ksim_libc_dup(int fd)
{
	return (int)KRET(next_dup()(fd));
}

notrace int ksim_libc_dup2(int oldfd, int newfd)
{
	return (int)KRET(next_dup2()(oldfd, newfd));
}

notrace int ksim_libc_dup3(int oldfd, int newfd, int flags)
{
	return (int)KRET(next_dup3()(oldfd, newfd, flags));
}

notrace int ksim_libc_close_range(unsigned int first, unsigned int last, int flags)
{
	return (int)KRET(next_close_range()(first, last, flags));
}

/* Not for F_GETOWN, whose result may be negative: forward that untouched. */
notrace int ksim_libc_fcntl(int fd, int cmd, unsigned long arg)
{
	return (int)KRET(next_fcntl()(fd, cmd, arg));
}

notrace int ksim_next_fcntl(int fd, int cmd, unsigned long arg)
{
	return next_fcntl()(fd, cmd, arg);
}

notrace ssize_t ksim_libc_read(int fd, void *buf, size_t len)
{
	return KRET(next_read()(fd, buf, len));
}

notrace ssize_t ksim_libc_write(int fd, const void *buf, size_t len)
{
	return KRET(next_write()(fd, buf, len));
}

notrace ssize_t ksim_libc_pread(int fd, void *buf, size_t len, off_t off)
{
	return KRET(next_pread()(fd, buf, len, off));
}

notrace ssize_t ksim_libc_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return KRET(next_pwrite()(fd, buf, len, off));
}

notrace ssize_t ksim_libc_readv(int fd, const void *iov, int n)
{
	return KRET(next_readv()(fd, iov, n));
}

notrace ssize_t ksim_libc_writev(int fd, const void *iov, int n)
{
	return KRET(next_writev()(fd, iov, n));
}

notrace off_t ksim_libc_lseek(int fd, off_t off, int whence)
{
	return KRET(next_lseek()(fd, off, whence));
}

/*
 * fstat(2) by the fstat syscall itself. glibc's goes through newfstatat()
 * with an "" path that the kernel reads from libc's read-only data, a page
 * a fork-server child has not touched yet: a page fault in every child.
 */
notrace int ksim_libc_fstat(int fd, struct stat *st)
{
	return (int)SYS(SYS_fstat, fd, L(st));
}

notrace int ksim_libc_ftruncate(int fd, off_t len)
{
	return (int)SYS(SYS_ftruncate, fd, len);
}

notrace int ksim_libc_memfd_create(const char *name, unsigned int flags)
{
	if (fault_hit(KCOV_SIM_FAULT_MEMFD))
		return -EMFILE;
	return (int)SYS(SYS_memfd_create, L(name), flags);
}

/* libc's syscall(), as libc returns: exact syscall(2) semantics. */
notrace long ksim_next_syscall(long nr, long a, long b, long c, long d,
			       long e, long f)
{
	return next_syscall()(nr, a, b, c, d, e, f);
}

/* libc's fopen (@is64: fopen64), as libc returns. */
notrace FILE *ksim_next_fopen(const char *path, const char *mode, bool is64)
{
	return is64 ? next_fopen64()(path, mode) : next_fopen()(path, mode);
}

notrace int ksim_next_fclose(FILE *f)
{
	return next_fclose()(f);
}

/* libc's freopen (@is64: freopen64), or NULL and *@none in a static
 * executable, where ours is the only one. */
notrace FILE *ksim_next_freopen(const char *path, const char *mode, FILE *f,
				bool is64, bool *none)
{
	freopen_fn fn = is64 ? (freopen_fn)next_freopen64() : next_freopen();

	*none = !fn;
	return fn ? fn(path, mode, f) : NULL;
}

/*
 * The kernel's checks of open flags and mode that come before it reads
 * the path (build_open_flags(): EINVAL, and for openat2 E2BIG, EAGAIN,
 * EFAULT for @how), made by the kernel itself: the same call with a NULL
 * path, which fails with EFAULT once they pass. 0, or their -errno. By
 * the raw system call: a sanitizer's interceptor would read the NULL path.
 */
notrace int ksim_libc_open_check(int flags, mode_t mode)
{
	long ret = SYS(SYS_openat, AT_FDCWD, 0, flags, mode);

	if (ret >= 0)
		SYS(SYS_close, ret);	/* cannot happen: no path */
	return ret == -EFAULT || ret >= 0 ? 0 : (int)ret;
}

notrace int ksim_libc_openat2_check(unsigned long how, size_t size)
{
	long ret = SYS(SYS_openat2, AT_FDCWD, 0, L(how), L(size));

	if (ret >= 0)
		SYS(SYS_close, ret);
	return ret == -EFAULT || ret >= 0 ? 0 : (int)ret;
}

/* readlink(2) and getcwd(2), by the system call: -errno or the length. */
notrace int ksim_libc_readlink(const char *path, char *buf, size_t size)
{
	return (int)SYS(SYS_readlinkat, AT_FDCWD, L(path), L(buf), L(size));
}

notrace int ksim_libc_getcwd(char *buf, size_t size)
{
	return (int)SYS(SYS_getcwd, L(buf), L(size));
}

/* Return 0 or -errno (pthread_create() itself returns a positive errno). */
notrace int ksim_fwd_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
				    void *(*fn)(void *), void *arg)
{
	return -next_pthread_create()(thread, attr, fn, arg);
}

notrace int ksim_libc_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
				     void *(*fn)(void *), void *arg)
{
	if (fault_hit(KCOV_SIM_FAULT_THREAD))
		return -EAGAIN;
	return ksim_fwd_pthread_create(thread, attr, fn, arg);
}

/* ---- allocations -------------------------------------------------------- */

notrace void *ksim_malloc(size_t size)
{
	return fault_hit(KCOV_SIM_FAULT_ALLOC) ? NULL : malloc(size);
}

notrace void *ksim_calloc(size_t n, size_t size)
{
	return fault_hit(KCOV_SIM_FAULT_ALLOC) ? NULL : calloc(n, size);
}

notrace void *ksim_realloc(void *p, size_t size)
{
	return fault_hit(KCOV_SIM_FAULT_ALLOC) ? NULL : realloc(p, size);
}

notrace char *ksim_strdup(const char *s)
{
	return fault_hit(KCOV_SIM_FAULT_ALLOC) ? NULL : strdup(s);
}

/* ---- copy_from_user() --------------------------------------------------- */

/* process_vm_readv() of this process: bytes read (short at a fault), -errno. */
static notrace long vm_read(void *dst, unsigned long src, size_t len)
{
	struct iovec local = { dst, len }, remote = { (void *)src, len };

	return SYS(SYS_process_vm_readv, SYS(SYS_getpid), L(&local), 1,
		   L(&remote), 1, 0);
}

/*
 * The kernel reads the caller's memory for us; a pipe stands in where
 * process_vm_readv() is filtered (seccomp in some containers).
 */
notrace int ksim_copy_from_user(void *dst, unsigned long src, size_t len)
{
	int pfd[2];
	ssize_t n;

	n = vm_read(dst, src, len);
	if (n == (ssize_t)len)
		return 0;
	if (n >= 0 || n == -EFAULT)
		return -EFAULT;
	if (SYS(SYS_pipe2, L(pfd), O_CLOEXEC))
		return -ENOMEM;
	n = SYS(SYS_write, pfd[1], L(src), L(len));	/* len <= 4096 < pipe size */
	if (n == (ssize_t)len)
		n = SYS(SYS_read, pfd[0], L(dst), L(len));
	SYS(SYS_close, pfd[0]);
	SYS(SYS_close, pfd[1]);
	return n == (ssize_t)len ? 0 : -EFAULT;
}

/*
 * strncpy_from_user(): the NUL-terminated string at @src into @dst (@size
 * bytes), a page at a time, so that a string that ends just before an
 * unmapped page is read (a page is readable whole or not at all). Its
 * length, -EFAULT, or -ENAMETOOLONG when no NUL comes within @size bytes.
 */
notrace long ksim_strncpy_from_user(char *dst, unsigned long src, size_t size)
{
	size_t done = 0, chunk;
	char *nul;

	while (done < size) {
		chunk = KSIM_PAGE_SIZE - ((src + done) & (KSIM_PAGE_SIZE - 1));
		if (chunk > size - done)
			chunk = size - done;
		if (ksim_copy_from_user(dst + done, src + done, chunk))
			return -EFAULT;
		nul = memchr(dst + done, 0, chunk);
		if (nul)
			return nul - dst;
		done += chunk;
	}
	return -ENAMETOOLONG;
}

/* ---- exec: returns only on failure, -errno ------------------------------- */

notrace int ksim_libc_execve(const char *path, char *const argv[], char *const envp[])
{
	next_execve()(path, argv, envp);
	return -errno;
}

notrace int ksim_libc_execvpe(const char *file, char *const argv[], char *const envp[])
{
	next_execvpe()(file, argv, envp);
	return -errno;
}

notrace int ksim_libc_execveat(int dirfd, const char *path, char *const argv[],
			       char *const envp[], int flags)
{
	return (int)SYS(SYS_execveat, dirfd, L(path), L(argv), L(envp), flags);
}
