/* SPDX-License-Identifier: MIT */
/*
 * An unmodified KCOV client under LD_PRELOAD=libkcov-sim.so: not linked with
 * the library, it uses open/ioctl/mmap/close only. The hook is found with
 * dlsym() as instrumented code resolved at load time would reach it. Exits
 * 0 when every step behaves as on Linux; "expect-enoent" checks the other
 * side: without the preload there is no such file.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define KCOV_INIT_TRACE	_IOR('c', 1, unsigned long)
#define KCOV_ENABLE	_IO('c', 100)
#define KCOV_DISABLE	_IO('c', 101)
#define WORDS		512

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "preload_client:%d: %s (errno %d)\n",	\
			__LINE__, #c, errno);				\
		return 1;						\
	}								\
} while (0)

int main(int argc, char **argv)
{
	void (*trace_pc)(void);
	unsigned long *cover, w;
	int fd;

	fd = open("/sys/kernel/debug/kcov", O_RDWR);
	if (argc > 1 && !strcmp(argv[1], "expect-enoent")) {
		CHECK(fd == -1 && errno == ENOENT);
		return 0;
	}
	CHECK(fd >= 0);
	*(void **)&trace_pc = dlsym(RTLD_DEFAULT, "__sanitizer_cov_trace_pc");
	CHECK(trace_pc != NULL);
	CHECK(ioctl(fd, KCOV_ENABLE, 0) == -1 && errno == EINVAL);
	CHECK(ioctl(fd, KCOV_INIT_TRACE, WORDS) == 0);
	cover = mmap(NULL, WORDS * sizeof(long), PROT_READ | PROT_WRITE,
		     MAP_SHARED, fd, 0);
	CHECK(cover != MAP_FAILED);
	CHECK(ioctl(fd, KCOV_ENABLE, 0) == 0);
	__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
	trace_pc();
	trace_pc();
	CHECK(__atomic_load_n(&cover[0], __ATOMIC_RELAXED) == 2);
	CHECK(ioctl(fd, KCOV_DISABLE, 1) == -1 && errno == EINVAL);
	CHECK(ioctl(fd, KCOV_DISABLE, 0) == 0);
	CHECK(read(fd, &w, sizeof(w)) == -1 && errno == EINVAL);
	CHECK(ioctl(fd, 0x6368, 0) == -1 && errno == ENOTTY);
	CHECK(munmap(cover, WORDS * sizeof(long)) == 0);
	CHECK(close(fd) == 0);
	printf("preload_client: ok\n");
	return 0;
}
