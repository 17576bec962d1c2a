/* SPDX-License-Identifier: MIT */
/*
 * backend.h - what one implementation of the KCOV ABI must provide to run
 * the oracle's scenarios and random sequences: the real kernel/kcov.c in
 * the stand-in environment (backend_oracle.c), libkcov-sim through one of
 * its front doors (backend_lib.c), or later a hand-written model.
 *
 * Conventions: every call runs on the thread of the simulated task it acts
 * for (driver.c arranges that); integer results are >= 0 or -errno.
 * Introspection is limited to what every backend can observe.
 */
#ifndef KSIM_ORACLE_BACKEND_H
#define KSIM_ORACLE_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct be_config {
	unsigned int	nr_cpus;	/* simulated CPUs (softirq buffers) */
	int		no_cmp;		/* a kernel without KCOV_ENABLE_COMPARISONS */
};

/* uapi facts as the backend's own header defines them (spec 8.1). */
struct be_uapi {
	unsigned long init_trace, enable, disable, remote_enable;
	unsigned long arg_size, arg_align, off_trace_mode, off_area_size;
	unsigned long off_num_handles, off_common_handle, off_handles;
	unsigned long long h_usb1, h_common42, h_bad_subsys, h_bad_inst;
	unsigned long cmp_size[4], cmp_mask, cmp_const, max_handles;
};

/* Once per process, on the first task's thread, before anything else. */
int be_boot(const struct be_config *cfg);
/* One line saying what runs (kernel version, door, profile); printed as a
 * transcript comment, so it never takes part in a comparison. */
const char *be_describe(void);
/* Can the backend run this configuration at all (e.g. no_cmp)? */
int be_supports(const struct be_config *cfg);
/* 1 if the backend applies the profile it was asked for (KCOV_SIM_PROFILE),
 * 0 if it ignores it, -1 where profiles mean nothing (the real kernel). */
int be_profile_honoured(void);

/* Tasks: see ko.h for the meaning (kcov_task_init()/exit()). */
void be_task_first(int id);
void *be_task_new(int id);		/* on the creator's thread */
void be_task_enter(void *cookie);	/* first thing on the new thread */
void be_task_exit(void);		/* last thing before the thread ends */

/* Files and mappings, as the system calls. */
int be_open(void);
long be_ioctl(int fd, unsigned long cmd, unsigned long arg);
long be_mmap(int fd, size_t len, int prot, off_t off, void **addr);
int be_munmap(void *addr, size_t len);
int be_close(int fd);
int be_dup(int fd);

/* Devices: an id for the device behind @fd (0 if none), its reference
 * count (-1 once freed) and its buffer (NULL once freed). */
uint64_t be_dev_of(int fd);
int be_dev_refcount(uint64_t dev);
unsigned long *be_dev_area(uint64_t dev);

/* The kernel-side API of include/linux/kcov.h. */
void be_remote_start(uint64_t handle);
void be_remote_stop(void);
void be_remote_start_common(uint64_t id);
void be_remote_start_usb(uint64_t id);
void be_remote_start_usb_softirq(uint64_t id);
void be_remote_stop_softirq(void);
uint64_t be_common_handle(void);

/* Simulated contexts of the calling task. */
void be_softirq_enter(void);
void be_softirq_exit(void);
void be_hardirq_enter(void);
void be_hardirq_exit(void);
void be_nmi_enter(void);
void be_nmi_exit(void);
void be_bh_disable(void);
void be_bh_enable(void);
void be_ctxsw_begin(void);
void be_ctxsw_end(void);

/* Observations. */
unsigned long be_warn_count(void);
unsigned long be_section_allocs(void);	/* task-context section buffers */
/* Bytes written just outside a kernel buffer since the last call (the
 * oracle's guard words; 0 where a backend cannot write out of bounds). */
unsigned long be_oob_check(char *where, size_t len);
int be_is_kptr(unsigned long v);	/* a kernel heap address? */
void be_uapi(struct be_uapi *u);

#endif /* KSIM_ORACLE_BACKEND_H */
