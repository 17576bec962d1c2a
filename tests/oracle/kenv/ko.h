/* SPDX-License-Identifier: MIT */
/*
 * ko.h - the oracle kernel (kernel/kcov.c in the stand-in environment) as the
 * harness sees it. Plain C types only: this header is included both by the
 * kernel-side glue (vfs.c, -nostdinc) and by host code.
 *
 * File descriptors here are the oracle's own small integers (its fd table),
 * not host fds. Calls act on the calling thread's simulated task.
 */
#ifndef KSIM_ORACLE_KO_H
#define KSIM_ORACLE_KO_H

/* "Boot": the arena, nr_cpus simulated CPUs, then kcov_init(). Once per
 * process, before any other call. 0 or a negative errno. */
int ko_boot(unsigned int nr_cpus);

/* Tasks. ko_task_first() makes the calling thread the first task (like
 * init_task: zeroed, no kcov_task_init()). ko_task_new() runs on the
 * creating task's thread: it allocates a task and runs kcov_task_init() on
 * it with the creator as `current` (dup_task_struct()); the new thread then
 * calls ko_task_enter() on it. ko_task_exit() is do_exit()'s
 * kcov_task_exit(current). */
void ko_task_first(int id);
void *ko_task_new(int id);
void ko_task_enter(void *task);
void ko_task_exit(void);

/* The VFS: what the system calls do to a debugfs kcov file. */
int ko_open(void);				/* fd or -errno */
long ko_ioctl(int fd, unsigned long cmd, unsigned long arg);
long ko_mmap(int fd, unsigned long len, int prot, unsigned long off,
	     void **addr);			/* 0 or -errno */
int ko_munmap(void *addr, unsigned long len);
int ko_close(int fd);
int ko_dup(int fd);

/* Introspection: the device behind an fd (NULL if none), its reference
 * count (-1 once freed), its buffer (what KCOV_INIT_TRACE allocated). */
void *ko_fd_dev(int fd);
int ko_dev_refcount(void *dev);
unsigned long *ko_dev_area(void *dev);

/* Kernel-side API (include/linux/kcov.h, the kernel's own inlines). */
void ko_remote_start(unsigned long long handle);
void ko_remote_stop(void);
void ko_remote_start_common(unsigned long long id);
void ko_remote_start_usb(unsigned long long id);
void ko_remote_start_usb_softirq(unsigned long long id);
void ko_remote_stop_softirq(void);
unsigned long long ko_common_handle(void);

/* Contexts of the calling task (preempt count), and the ctxsw bit. */
void ko_softirq_enter(void);
void ko_softirq_exit(void);
void ko_hardirq_enter(void);
void ko_hardirq_exit(void);
void ko_nmi_enter(void);
void ko_nmi_exit(void);
void ko_bh_disable(void);
void ko_bh_enable(void);
void ko_ctxsw_begin(void);
void ko_ctxsw_end(void);

/* uapi facts as the kernel's own header has them (spec 8.1). */
struct ko_uapi {
	unsigned long init_trace, enable, disable, remote_enable;
	unsigned long arg_size, arg_align, off_trace_mode, off_area_size;
	unsigned long off_num_handles, off_common_handle, off_handles;
	unsigned long long h_usb1, h_common42, h_bad_subsys, h_bad_inst;
	unsigned long cmp_size[4], cmp_mask, cmp_const, max_handles;
};
void ko_uapi(struct ko_uapi *u);

/* ---- host side (host.c) ---- */
unsigned long ko_warn_count(void);
const char *ko_warn_last(void);
/* Task-context section buffers vmalloc()ed since boot. */
unsigned long ko_section_allocs(void);
/* Bytes changed in the guard words right before/after a live vmalloc area
 * since the last call (0 if none); @where gets a short description. */
unsigned long ko_oob_check(char *where, unsigned long len);
/* Is @v an address inside the arena (a kernel pointer)? */
int ko_is_kptr(unsigned long v);

#endif /* KSIM_ORACLE_KO_H */
