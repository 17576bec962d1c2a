/* SPDX-License-Identifier: MIT */
/*
 * kcov_pc.c - PC coverage of one "syscall", following the flow of the
 * kernel's KCOV documentation: open, INIT_TRACE, mmap, ENABLE, reset the
 * counter, call, read, DISABLE. Only open/ioctl/mmap: libkcov-sim plays
 * the kernel.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kcov-sim/kcov.h>

#include "fake_kernel.h"

#define COVER_SIZE	(64 << 10)	/* words */

int main(void)
{
	unsigned long *cover, n, i;
	long ret;
	int fd;

	fd = open("/sys/kernel/debug/kcov", O_RDWR);
	if (fd == -1)
		perror("open"), exit(1);
	if (ioctl(fd, KCOV_INIT_TRACE, COVER_SIZE))
		perror("KCOV_INIT_TRACE"), exit(1);
	cover = mmap(NULL, COVER_SIZE * sizeof(unsigned long),
		     PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (cover == MAP_FAILED)
		perror("mmap"), exit(1);
	if (ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC))
		perror("KCOV_ENABLE"), exit(1);
	__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);

	ret = fake_sys_setprio(2, -5);

	n = __atomic_load_n(&cover[0], __ATOMIC_RELAXED);
	printf("fake_sys_setprio(2, -5) = %ld; %lu PCs:\n", ret, n);
	for (i = 0; i < n; i++)
		printf("0x%lx\n", cover[i + 1]);
	if (ioctl(fd, KCOV_DISABLE, 0))
		perror("KCOV_DISABLE"), exit(1);
	if (munmap(cover, COVER_SIZE * sizeof(unsigned long)))
		perror("munmap"), exit(1);
	if (close(fd))
		perror("close"), exit(1);
	return n ? 0 : 1;
}
