/* SPDX-License-Identifier: MIT */
/*
 * Stand-in: vmalloc over the oracle's arena, one memfd mapped at a "kernel"
 * address (host.c). Every allocation is page aligned and sits between two
 * guard pages filled with a canary, so a write before or after a buffer is
 * seen (kenv_oob_check()). vmalloc(0) fails, as in the kernel.
 */
#ifndef KENV_LINUX_VMALLOC_H
#define KENV_LINUX_VMALLOC_H

void *vmalloc(unsigned long size);
void *vmalloc_user(unsigned long size);	/* zeroed, user-mappable */
void vfree(const void *addr);

#endif /* KENV_LINUX_VMALLOC_H */
