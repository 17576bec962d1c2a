/* SPDX-License-Identifier: MIT */
/*
 * shadow_main.c - linked with -fsanitize=fuzzer (libFuzzer's runtime, whose
 * hooks are not renamed, and UBSan's) and the shared libkcov-sim: the
 * executable's comparison hooks are libFuzzer's. KCOV_ENABLE(TRACE_CMP)
 * must fail with errno 524, and the one line must name libFuzzer's runtime.
 * Prints "cmp=<ret> errno=<errno>".
 */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kcov-sim/kcov.h>
#include <kcov-sim/sim.h>

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	(void)d;
	(void)n;
	return 0;
}

/* Runs before any fuzzing; ends the process. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd = kcov_sim_open(), r;

	(void)argc;
	(void)argv;
	if (fd < 0 || kcov_sim_ioctl(fd, KCOV_INIT_TRACE, 1024) ||
	    kcov_sim_mmap(NULL, 1024 * sizeof(unsigned long),
			  PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED) {
		perror("kcov");
		_exit(2);
	}
	r = kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_CMP);
	printf("cmp=%d errno=%d\n", r, r ? errno : 0);
	fflush(stdout);
	_exit(0);
}
