/* SPDX-License-Identifier: MIT */
/*
 * kcov_stub.c - the kernel-side KCOV calls as no-ops, for the benchmark's
 * native references (libFuzzer's and AFL++'s own instrumentation), which
 * do not link libkcov-sim.
 */
#include <stdint.h>

void kcov_remote_start_common(uint64_t id);
void kcov_remote_stop(void);
uint64_t kcov_common_handle(void);

void kcov_remote_start_common(uint64_t id)
{
	(void)id;
}

void kcov_remote_stop(void)
{
}

uint64_t kcov_common_handle(void)
{
	return 0;
}
