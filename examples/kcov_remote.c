/* SPDX-License-Identifier: MIT */
/*
 * kcov_remote.c - remote coverage, as in the kernel documentation: one fd
 * collects what a USB hub thread does for bus 1 (a global handle) and what
 * worker threads do on behalf of this process (the common handle). The
 * program talks to KCOV only through open/ioctl/mmap.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kcov-sim/kcov.h>

#include "fake_kernel.h"

#define COVER_SIZE	(64 << 10)
#define USB_BUS		1
#define COMMON_ID	0x42

int main(void)
{
	struct kcov_remote_arg *arg;
	unsigned long *cover, n, i;
	int fd, v[] = { 3, -1, 4, 1, -5 };
	long sum;

	fd = open("/sys/kernel/debug/kcov", O_RDWR);
	if (fd == -1)
		perror("open"), exit(1);
	if (ioctl(fd, KCOV_INIT_TRACE, COVER_SIZE))
		perror("KCOV_INIT_TRACE"), exit(1);
	cover = mmap(NULL, COVER_SIZE * sizeof(unsigned long),
		     PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (cover == MAP_FAILED)
		perror("mmap"), exit(1);

	arg = calloc(1, sizeof(*arg) + sizeof(uint64_t));
	if (!arg)
		perror("calloc"), exit(1);
	arg->trace_mode = KCOV_TRACE_PC;
	arg->area_size = COVER_SIZE;
	arg->num_handles = 1;
	arg->handles[0] = kcov_remote_handle(KCOV_SUBSYSTEM_USB, USB_BUS);
	arg->common_handle = kcov_remote_handle(KCOV_SUBSYSTEM_COMMON, COMMON_ID);
	if (ioctl(fd, KCOV_REMOTE_ENABLE, arg))
		perror("KCOV_REMOTE_ENABLE"), exit(1);
	free(arg);

	/* The "kernel" works in other threads; sections land in our buffer. */
	if (fake_usb_start(USB_BUS))
		perror("fake_usb_start"), exit(1);
	fake_usb_event(USB_BUS, 1);
	fake_usb_event(USB_BUS, 7);
	sum = fake_sys_async_sum(v, 5);
	fake_usb_stop(USB_BUS);

	n = __atomic_load_n(&cover[0], __ATOMIC_ACQUIRE);
	printf("2 USB events and one async sum (= %ld): %lu PCs:\n", sum, n);
	for (i = 0; i < n; i++)
		printf("0x%lx\n", cover[i + 1]);
	if (ioctl(fd, KCOV_DISABLE, 0))
		perror("KCOV_DISABLE"), exit(1);
	munmap(cover, COVER_SIZE * sizeof(unsigned long));
	close(fd);
	return n ? 0 : 1;
}
