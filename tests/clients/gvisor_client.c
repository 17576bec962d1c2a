/* SPDX-License-Identifier: MIT */
/*
 * gvisor_client.c - a client in the shape of gVisor's KCOV syscall test
 * (its facts, our code): the ioctl requests written as int constants
 * (KCOV_INIT_TRACE 0x80086301 is negative as an int and reaches ioctl()
 * sign-extended), 4096 words, ENABLE then ten more ENABLEs that fail with
 * EINVAL, and every collected PC in the kernel's text range, which the
 * test runs with KCOV_SIM_PC_MODE=kernel for. On top of gVisor's checks:
 * the coverage of compiler-instrumented code is there, and the three PCs
 * of sites.h decode to exactly their sites.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kcov-sim/sim.h>

#include "client.h"
#include "../kernel_code.h"

static const int kSize = 4096;
static const int kInitTrace = 0x80086301;	/* as gVisor spells it */
static const int kEnable = 0x6364;

static void check_site(uint64_t pc, const char *site)
{
	struct kcov_sim_pc_loc loc;

	CHECK(kcov_sim_pc_decode(pc, &loc) == 0);
	CHECK(loc.addr == (uintptr_t)site);
}

int main(void)
{
	uint64_t *area, n, i;
	int fd;

	client_hooks();
	fd = open("/sys/kernel/debug/kcov", O_RDWR);
	CHECK(fd >= 0);
	CHECK(kInitTrace < 0);
	CHECK(ioctl(fd, kInitTrace, kSize) == 0);
	area = mmap(NULL, kSize * sizeof(uint64_t), PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
	CHECK(area != MAP_FAILED);
	CHECK(ioctl(fd, kEnable, 0) == 0);
	for (i = 0; i < 10; i++)
		CHECK_ERR(ioctl(fd, kEnable, 0), EINVAL);
	CHECK(kc_branch(3) != kc_branch(-3));	/* the "kernel" runs */
	n = __atomic_load_n(&area[0], __ATOMIC_RELAXED);
	CHECK(n > 0);
	sites_pc3();
	CHECK(__atomic_load_n(&area[0], __ATOMIC_RELAXED) == n + 3);
	for (i = 1; i <= n + 3; i++)
		CHECK(area[i] > 0xffffffff7fffffffull);
	check_site(area[n + 1], site_a);
	check_site(area[n + 2], site_b);
	check_site(area[n + 3], site_c);
	CHECK(close(fd) == 0);
	printf("gvisor_client: %lu PCs, all in the kernel range: ok\n",
	       (unsigned long)(n + 3));
	return 0;
}
