/* SPDX-License-Identifier: MIT */
/*
 * Stand-in: an initcall becomes a pointer the host calls once, at "boot"
 * (kenv_boot() in host.c), so the static kcov_init() stays static.
 */
#ifndef KENV_LINUX_INIT_H
#define KENV_LINUX_INIT_H
#define device_initcall(fn)	int (*const kenv_device_initcall)(void) = fn
#endif
