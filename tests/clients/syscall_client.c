/* SPDX-License-Identifier: MIT */
/*
 * syscall_client.c - a KCOV client that makes every call by number through
 * syscall(2), as fuzzer executors issue programs: open, dup, ioctl, mmap,
 * mremap, munmap, the refused I/O calls and close of the kcov fd give
 * Linux's results, with syscall(2)'s -1/errno convention; calls that do
 * not touch a kcov fd, mapping or name keep their exact results (bad
 * pointers included: EFAULT, never a crash). "raw" shows what cannot be
 * simulated: the same ioctl as a raw syscall instruction reaches the
 * memfd behind the fd.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/kcov.h>

#include "client.h"

#define WORDS	1024ul
#define LEN	(WORDS * sizeof(unsigned long))
#define FD_NO	200

static long raw_ioctl(long fd, long cmd, long arg)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret)
			 : "0"((long)SYS_ioctl), "D"(fd), "S"(cmd), "d"(arg)
			 : "rcx", "r11", "memory");
	return ret;
}

/* Calls that touch no kcov fd behave exactly as without the library. */
static void passthrough(void)
{
	struct open_how how = { .flags = O_RDONLY };
	int pfd[2], n = -1;

	CHECK(syscall(SYS_getpid) == getpid());
	CHECK_ERR(syscall(SYS_close, -1), EBADF);
	CHECK_ERR(syscall(SYS_ioctl, -1, KCOV_ENABLE, 0), EBADF);
	CHECK_ERR(syscall(SYS_openat, AT_FDCWD, (char *)8, O_RDONLY), EFAULT);
	CHECK_ERR(syscall(SYS_open, (char *)8, O_RDONLY), EFAULT);
	CHECK_ERR(syscall(SYS_openat2, AT_FDCWD, "/", &how, 8), EINVAL);
	CHECK_ERR(syscall(SYS_openat2, AT_FDCWD, (char *)8, &how, sizeof(how)), EFAULT);
	CHECK_ERR(syscall(SYS_openat, AT_FDCWD, "/sys/kernel/debug/kcovx", O_RDONLY), ENOENT);
	CHECK_ERR(syscall(100000), ENOSYS);
	CHECK(syscall(SYS_pipe2, pfd, 0) == 0);
	CHECK(syscall(SYS_write, pfd[1], "ab", 2) == 2);
	CHECK(syscall(SYS_ioctl, pfd[0], FIONREAD, &n) == 0 && n == 2);
	CHECK_ERR(syscall(SYS_lseek, pfd[0], 0, SEEK_SET), ESPIPE);
	CHECK(syscall(SYS_close, pfd[0]) == 0 && syscall(SYS_close, pfd[1]) == 0);
}

/* read, write, lseek, ... on a kcov fd: spec 1.5, by number. */
static void refused(int fd)
{
	struct iovec iov = { &iov, 8 };
	char b[8];

	CHECK_ERR(syscall(SYS_read, fd, b, 8), EINVAL);
	CHECK_ERR(syscall(SYS_write, fd, b, 8), EINVAL);
	CHECK_ERR(syscall(SYS_readv, fd, &iov, 1), EINVAL);
	CHECK_ERR(syscall(SYS_writev, fd, &iov, 1), EINVAL);
	CHECK_ERR(syscall(SYS_lseek, fd, 0, SEEK_SET), ESPIPE);
	CHECK_ERR(syscall(SYS_pread64, fd, b, 8, 0), ESPIPE);
	CHECK_ERR(syscall(SYS_pwrite64, fd, b, 8, 0), ESPIPE);
}

static int client(void)
{
	unsigned long *cover, *moved;
	int fd, copy, before = client_devices();

	client_hooks();
	passthrough();
	fd = (int)syscall(SYS_openat, AT_FDCWD, "/sys/kernel/debug/kcov", O_RDWR);
	CHECK(fd >= 0);
	CHECK(syscall(SYS_dup3, fd, FD_NO, O_CLOEXEC) == FD_NO);
	CHECK(syscall(SYS_close, fd) == 0);
	fd = FD_NO;
	CHECK_ERR(syscall(SYS_ioctl, fd, KCOV_ENABLE, KCOV_TRACE_PC), EINVAL);
	CHECK_ERR(syscall(SYS_ioctl, fd, 0x6368, 0), ENOTTY);
	/* The request is an unsigned int: a sign-extended one is the same. */
	CHECK(syscall(SYS_ioctl, fd, (long)(int)KCOV_INIT_TRACE, WORDS) == 0);
	CHECK_ERR(syscall(SYS_ioctl, fd, KCOV_INIT_TRACE, WORDS), EBUSY);
	/* Longs, as syscall(2) reads them: an int on the stack (the sixth
	 * argument) leaves the upper half of its slot undefined. */
	CHECK_ERR(syscall(SYS_mmap, 0L, LEN + 4096, PROT_READ, MAP_SHARED, fd, 0L), EINVAL);
	cover = (unsigned long *)syscall(SYS_mmap, 0L, LEN, PROT_READ | PROT_WRITE,
					 MAP_SHARED, fd, 0L);
	CHECK(cover != MAP_FAILED);
	CHECK_ERR(syscall(SYS_mremap, cover, LEN, 2 * LEN, MREMAP_MAYMOVE), EFAULT);
	CHECK(syscall(SYS_ioctl, fd, KCOV_ENABLE, KCOV_TRACE_PC) == 0);
	__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
	sites_pc3();
	check_pc3(cover);
	refused(fd);
	copy = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 3);
	CHECK(copy >= 3);
	refused(copy);
	CHECK(syscall(SYS_dup2, copy, copy) == copy);
	CHECK(syscall(SYS_close, copy) == 0);
	CHECK(syscall(SYS_ioctl, fd, KCOV_DISABLE, 0) == 0);
	/* Moved, the mapping still pins the device after the last close. */
	moved = (unsigned long *)syscall(SYS_mremap, cover, LEN, LEN, MREMAP_MAYMOVE);
	CHECK(moved != MAP_FAILED);
	CHECK(syscall(SYS_close, fd) == 0);
	CHECK(client_devices() == before + 1);
	CHECK(syscall(SYS_munmap, moved, LEN) == 0);
	CHECK(client_devices() == before);
	printf("syscall_client: ok\n");
	return 0;
}

/*
 * What a raw syscall instruction does: the kernel sees a memfd (ENOTTY).
 * The device is left open at exit, with no ioctl through libc: the
 * library says so on stderr (the test matches that line).
 */
static int raw(void)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/sys/kernel/debug/kcov", O_RDWR);

	CHECK(fd >= 0);
	CHECK(raw_ioctl(fd, KCOV_INIT_TRACE, WORDS) == -ENOTTY);
	CHECK(raw_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC) == -ENOTTY);
	printf("syscall_client raw: not simulated, as documented\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "raw"))
		return raw();
	return client();
}
