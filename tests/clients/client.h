/* SPDX-License-Identifier: MIT */
/*
 * client.h - what the client programs share: checks that print what
 * failed and exit 1, and the exact records of sites.h. The clients use
 * libc and the KCOV ABI only; sim.h's counters are reached through weak
 * references (linked, statically linked, or from an LD_PRELOADed library)
 * and only to verify, never to drive.
 */
#ifndef KSIM_CLIENT_H
#define KSIM_CLIENT_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sites.h"

#define SKIP	77

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: %s failed (errno %d, %s)\n",	\
			__FILE__, __LINE__, #c, errno, strerror(errno));\
		exit(1);						\
	}								\
} while (0)

/* @expr fails with -1 (or MAP_FAILED) and errno @e. */
#define CHECK_ERR(expr, e) do {						\
	long __r;							\
	errno = 0;							\
	__r = (long)(expr);						\
	if (__r != -1 || errno != (e)) {				\
		fprintf(stderr, "%s:%d: %s = %ld, errno %d (%s); "	\
			"expected -1, errno %d (%s)\n", __FILE__,	\
			__LINE__, #expr, __r, errno, strerror(errno),	\
			(e), strerror(e));				\
		exit(1);						\
	}								\
} while (0)

void __sanitizer_cov_trace_pc(void) __attribute__((weak));
void __sanitizer_cov_trace_cmp4(uint32_t, uint32_t) __attribute__((weak));
int kcov_sim_device_count(void) __attribute__((weak));

/* The hooks for sites.h: linked, or found in the preloaded library. */
static inline void client_hooks(void)
{
	CHECK(__sanitizer_cov_trace_pc && __sanitizer_cov_trace_cmp4);
	site_pc_hook = __sanitizer_cov_trace_pc;
	site_cmp4_hook = __sanitizer_cov_trace_cmp4;
}

/* Devices alive in this process, or -1 without libkcov-sim's counter. */
static inline int client_devices(void)
{
	return kcov_sim_device_count ? kcov_sim_device_count() : -1;
}

/* @cover holds exactly the three PCs of sites_pc3(), in order. */
static inline void check_pc3(const volatile unsigned long *cover)
{
	CHECK(cover[0] == 3);
	CHECK(cover[1] == (unsigned long)site_a);
	CHECK(cover[2] == (unsigned long)site_b);
	CHECK(cover[3] == (unsigned long)site_c);
}

/* @cover holds exactly the one comparison record of sites_cmp(). */
static inline void check_cmp(const volatile unsigned long *cover)
{
	CHECK(cover[0] == 1);
	CHECK(cover[1] == 4 /* KCOV_CMP_SIZE(2): 4 bytes, not const */);
	CHECK(cover[2] == SITE_CMP_A1);
	CHECK(cover[3] == SITE_CMP_A2);
	CHECK(cover[4] == (unsigned long)site_cmp);
}

#endif
