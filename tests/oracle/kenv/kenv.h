/* SPDX-License-Identifier: MIT */
/*
 * kenv.h - host services the kernel-side glue (vfs.c) needs beyond the
 * stand-in headers. Kernel types only (included with -nostdinc).
 */
#ifndef KSIM_ORACLE_KENV_H
#define KSIM_ORACLE_KENV_H

#include <linux/fs.h>
#include <linux/sched.h>

int kenv_arena_init(unsigned int nr_cpus);
void kenv_booted(void);
/* A PROT_NONE range of @len bytes for a user mapping, or NULL. */
void *kenv_reserve(unsigned long len);
void kenv_unreserve(void *addr, unsigned long len);
/* The fops debugfs_create_file_unsafe() was given at boot. */
const struct file_operations *kenv_kcov_fops(void);
/* The last vmalloc_user() area (KCOV_INIT_TRACE's buffer). */
void *kenv_last_user_area(void);
int kenv_freed(const void *p);
void *kenv_task_alloc(void);	/* zeroed task_struct, never freed */

#endif /* KSIM_ORACLE_KENV_H */
