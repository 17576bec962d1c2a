/* SPDX-License-Identifier: MIT */
/*
 * sites_main.c - runs sites_kernel.c on fixed inputs in KCOV_TRACE_PC and
 * in KCOV_TRACE_CMP mode and prints every record, PCs as offsets into the
 * executable (what addr2line -e takes):
 *
 *   pc <offset>
 *   cmp <type> <arg1> <arg2> <offset>
 *
 * Built against the call-based library and against the LTO form, with the
 * same kernel code; sites_compare.cmake symbolizes and compares the two.
 * Exits 1 if a mode collects nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <kcov-sim/kcov.h>
#include <kcov-sim/sim.h>

#include "sites_kernel.h"

#define COVER_WORDS	(1ul << 16)

static unsigned long *cover;
static uintptr_t base;

static int first_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	*(uintptr_t *)arg = info->dlpi_addr;
	return 1;
}

static void die(const char *what)
{
	printf("sites: FAIL: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void run_inputs(void)
{
	static const uint8_t tlv[] = {
		1, 2, 0xaa, 0xbb,	/* type 1 */
		2, 0,			/* type 2 */
		3, 4, 7, 0, 0, 0,	/* type 3 */
		7, 1, 0,		/* default */
	};
	static const uint8_t bad_len[] = { 3, 2, 0, 0 };
	static const uint8_t stop[] = { 1, 1, 0, 9, 0 };
	static const uint32_t classes[] = { 5, 42, 43, 1000, 4096, 65536, 70000,
					    0x20000000u };
	size_t i;

	sk_parse(tlv, sizeof(tlv));
	sk_parse(bad_len, sizeof(bad_len));
	sk_parse(stop, sizeof(stop));
	sk_parse(tlv, 3);
	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		sk_classify(classes[i]);
	sk_mix(0x5a, 0x5a, 0x1122334455667789ull);
	sk_mix(1, 2, 2);
}

static void collect(int fd, unsigned long mode)
{
	unsigned long n, i;

	__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
	if (kcov_sim_ioctl(fd, KCOV_ENABLE, mode))
		die("KCOV_ENABLE");
	run_inputs();
	n = __atomic_load_n(&cover[0], __ATOMIC_RELAXED);
	if (kcov_sim_ioctl(fd, KCOV_DISABLE, 0))
		die("KCOV_DISABLE");
	if (!n) {
		printf("sites: FAIL: mode %lu collected nothing\n", mode);
		exit(1);
	}
	for (i = 0; i < n; i++) {
		if (mode == KCOV_TRACE_PC) {
			if (1 + i >= COVER_WORDS)
				break;
			printf("pc %#lx\n", cover[1 + i] - base);
		} else {
			const unsigned long *r = &cover[1 + i * 4];

			if (1 + (i + 1) * 4 > COVER_WORDS)
				break;
			printf("cmp %lu %#lx %#lx %#lx\n", r[0], r[1], r[2],
			       r[3] - base);
		}
	}
}

int main(void)
{
	int fd;

	dl_iterate_phdr(first_object, &base);
	fd = kcov_sim_open();
	if (fd < 0 || kcov_sim_ioctl(fd, KCOV_INIT_TRACE, COVER_WORDS))
		die("open/INIT_TRACE");
	cover = kcov_sim_mmap(NULL, COVER_WORDS * sizeof(*cover),
			      PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (cover == MAP_FAILED)
		die("mmap");
	collect(fd, KCOV_TRACE_PC);
	collect(fd, KCOV_TRACE_CMP);
	kcov_sim_munmap(cover, COVER_WORDS * sizeof(*cover));
	kcov_sim_close(fd);
	return 0;
}
