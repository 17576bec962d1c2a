/* SPDX-License-Identifier: MIT */
/*
 * kcov_cmp.c - comparison operands of one "syscall" (KCOV_TRACE_CMP), as
 * in the kernel documentation: 4 words per record, the count in word 0.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kcov-sim/kcov.h>

#include "fake_kernel.h"

#define COVER_SIZE		(64 << 10)
#define KCOV_WORDS_PER_CMP	4

int main(void)
{
	uint64_t *cover, n, i;
	long ret;
	int fd;

	fd = open("/sys/kernel/debug/kcov", O_RDWR);
	if (fd == -1)
		perror("open"), exit(1);
	if (ioctl(fd, KCOV_INIT_TRACE, COVER_SIZE))
		perror("KCOV_INIT_TRACE"), exit(1);
	cover = mmap(NULL, COVER_SIZE * sizeof(uint64_t),
		     PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (cover == MAP_FAILED)
		perror("mmap"), exit(1);
	if (ioctl(fd, KCOV_ENABLE, KCOV_TRACE_CMP))
		perror("KCOV_ENABLE"), exit(1);
	__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);

	ret = fake_sys_setprio(1, 40);

	n = __atomic_load_n(&cover[0], __ATOMIC_RELAXED);
	printf("fake_sys_setprio(1, 40) = %ld; %lu comparisons:\n", ret,
	       (unsigned long)n);
	for (i = 0; i < n; i++) {
		uint64_t *rec = &cover[1 + i * KCOV_WORDS_PER_CMP];
		uint64_t type = rec[0];

		printf("  %u-byte%s  arg1=%#llx arg2=%#llx  ip=%#llx\n",
		       1u << ((type & KCOV_CMP_MASK) >> 1),
		       type & KCOV_CMP_CONST ? " const" : "      ",
		       (unsigned long long)rec[1], (unsigned long long)rec[2],
		       (unsigned long long)rec[3]);
	}
	if (ioctl(fd, KCOV_DISABLE, 0))
		perror("KCOV_DISABLE"), exit(1);
	munmap(cover, COVER_SIZE * sizeof(uint64_t));
	close(fd);
	return n ? 0 : 1;
}
