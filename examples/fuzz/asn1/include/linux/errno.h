/* SPDX-License-Identifier: MIT */
/*
 * Stand-in for the kernel's <linux/errno.h>: the uapi numbers. (It also
 * stands in for the uapi header of that name, which libc's <errno.h>
 * includes, so it must not include <errno.h> itself.)
 */
#ifndef KSIM_STANDIN_ERRNO_H
#define KSIM_STANDIN_ERRNO_H
#include <asm/errno.h>
#endif
