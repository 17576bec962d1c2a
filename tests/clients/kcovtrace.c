/* SPDX-License-Identifier: MIT */
/*
 * kcovtrace.c - a tracer in the shape of syzkaller's tools/kcovtrace:
 * open, INIT_TRACE, mmap, fork; the child ENABLEs and execs the program
 * to trace; the parent waits and reads the PCs the new image ran (on
 * Linux a task's KCOV state survives execve). Written here.
 *
 *	kcovtrace [-cloexec] [-nolib] <program> [args...]
 *
 * The traced program (trace_target.c) writes the PCs it expects to fd 100;
 * the tracer checks the buffer holds exactly those. -nolib: the program
 * has no libkcov-sim, the buffer must stay empty. -cloexec: the device is
 * opened O_CLOEXEC, and survives as the task's reference does on Linux.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kcov-sim/kcov.h>

#include "client.h"

#define COVER_SIZE	(64 << 10)
#define EXPECT_FD	100

int main(int argc, char **argv)
{
	bool cloexec = false, nolib = false;
	unsigned long want[3] = { 0 }, *cover;
	int fd, p[2], status, i = 1;
	char buf[256];
	ssize_t n = 0;
	pid_t pid;

	for (; i < argc && argv[i][0] == '-'; i++) {
		cloexec |= !strcmp(argv[i], "-cloexec");
		nolib |= !strcmp(argv[i], "-nolib");
	}
	CHECK(i < argc);
	fd = open("/sys/kernel/debug/kcov", O_RDWR | (cloexec ? O_CLOEXEC : 0));
	CHECK(fd >= 0);
	CHECK(ioctl(fd, KCOV_INIT_TRACE, COVER_SIZE) == 0);
	cover = mmap(NULL, COVER_SIZE * sizeof(unsigned long),
		     PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(cover != MAP_FAILED);
	CHECK(pipe(p) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (dup2(p[1], EXPECT_FD) != EXPECT_FD)
			_exit(126);
		close(p[0]);
		close(p[1]);
		if (ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC))
			_exit(125);
		__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
		execvp(argv[i], argv + i);
		_exit(127);
	}
	close(p[1]);
	while (n < (ssize_t)sizeof(buf) - 1) {
		ssize_t got = read(p[0], buf + n, sizeof(buf) - 1 - (size_t)n);

		if (got <= 0)
			break;
		n += got;
	}
	buf[n] = '\0';
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	n = (ssize_t)__atomic_load_n(&cover[0], __ATOMIC_ACQUIRE);
	printf("kcovtrace: %zd PCs\n", n);
	for (i = 0; i < n && i < 16; i++)
		printf("0x%lx\n", cover[i + 1]);
	if (nolib) {
		CHECK(n == 0);
	} else {
		CHECK(sscanf(buf, "%lx %lx %lx", &want[0], &want[1], &want[2]) == 3);
		CHECK(n == 3);
		for (i = 0; i < 3; i++)
			CHECK(cover[i + 1] == want[i]);
	}
	/* The traced task exited: the device is INIT again for anyone. */
	CHECK(ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC) == 0);
	CHECK(ioctl(fd, KCOV_DISABLE, 0) == 0);
	return 0;
}
