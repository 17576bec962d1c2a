/* SPDX-License-Identifier: MIT */
/*
 * fake_kernel.h - a few kernel-style "syscalls" and kernel threads for the
 * examples. fake_kernel.c is compiled with -fsanitize-coverage=trace-pc,
 * trace-cmp; the example programs talk to KCOV only through the ABI.
 */
#ifndef FAKE_KERNEL_H
#define FAKE_KERNEL_H

#include <stdint.h>

/* A syscall that validates its argument (a few branches, comparisons). */
long fake_sys_setprio(int which, int prio);

/* USB: a hub thread per bus handles events inside remote sections
 * (kcov_remote_start_usb(bus)); fake_usb_event() waits until it is done. */
int fake_usb_start(unsigned int bus);
void fake_usb_event(unsigned int bus, uint32_t status);
void fake_usb_stop(unsigned int bus);

/* A syscall that hands work to a worker thread; the worker reports with
 * the caller's common handle (kcov_common_handle()). */
long fake_sys_async_sum(const int *v, int n);

#endif
