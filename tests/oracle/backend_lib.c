// SPDX-License-Identifier: MIT
/*
 * backend_lib.c - backend.h over libkcov-sim, through the front door named
 * by KSIM_ORACLE_DOOR: "api" (kcov_sim_open/ioctl/mmap/munmap/close) or
 * "shim" (open("/sys/kernel/debug/kcov") and the interposed libc calls).
 *
 * Profiles: the library reads KCOV_SIM_PROFILE at load; where
 * kcov_sim_set_profile() exists (a weak reference, so this file builds and
 * links before and after the profile switch lands, with the shared and the
 * static library alike) it is called again here and its answer decides
 * whether the profile counts as honoured. The number of simulated CPUs
 * (softirq buffers of the kernels' IRQ pool) goes to kcov_sim_set_nr_cpus()
 * the same way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kcov-sim/kcov.h>
#include <kcov-sim/kernel.h>
#include <kcov-sim/sim.h>

#include "backend.h"

/* The out-structs grow a leading sz member (lead's API change); CMake
 * tells which header we build against. */
#ifdef KSIM_HAVE_INFO_SZ
#define INFO_INIT(s)	do { memset(&(s), 0, sizeof(s)); (s).sz = sizeof(s); } while (0)
#else
#define INFO_INIT(s)	memset(&(s), 0, sizeof(s))
#endif

/* Not in every version of the library: NULL where it lacks them. */
extern int kcov_sim_set_profile(const char *name) __attribute__((weak));
extern int kcov_sim_set_nr_cpus(unsigned int n) __attribute__((weak));

static int shim;
static char describe[256];
static int profile_honoured;

static void silent_warn(const char *file, int line, const char *what, void *arg)
{
	(void)arg;
	if (getenv("KSIM_ORACLE_VERBOSE"))
		fprintf(stderr, "lib: WARN %s:%d %s\n", file, line, what);
}

int be_supports(const struct be_config *cfg)
{
	(void)cfg;
	return 1;
}

int be_boot(const struct be_config *cfg)
{
	const char *door = getenv("KSIM_ORACLE_DOOR");
	const char *profile = getenv("KCOV_SIM_PROFILE");
	const char *cpus_note = "ignored";

	shim = door && !strcmp(door, "shim");
	kcov_sim_set_warn_handler(silent_warn, NULL);
	if (cfg->no_cmp)
		kcov_sim_set_cmp_support(0);
	profile_honoured = kcov_sim_set_profile &&
			   kcov_sim_set_profile(profile ? profile : "P-2025") == 0;
	if (kcov_sim_set_nr_cpus && kcov_sim_set_nr_cpus(cfg->nr_cpus) == 0)
		cpus_note = "set";
	snprintf(describe, sizeof(describe),
		 "libkcov-sim %s, door %s, profile %s (%s), %u simulated CPUs (%s)",
		 kcov_sim_version(), shim ? "shim" : "api",
		 profile ? profile : "default", profile_honoured ? "honoured" :
		 "ignored: no kcov_sim_set_profile()", cfg->nr_cpus, cpus_note);
	return 0;
}

const char *be_describe(void)
{
	return describe;
}

int be_profile_honoured(void)
{
	return profile_honoured;
}

/* Threads are tasks: the library's pthread_create() wrapper copies
 * kcov_handle, and its TLS destructor is kcov_task_exit(). */
void be_task_first(int id)		{ (void)id; }
void *be_task_new(int id)		{ (void)id; return NULL; }
void be_task_enter(void *cookie)	{ (void)cookie; }
void be_task_exit(void)			{ }

static long sys(long r)
{
	return r < 0 ? -errno : r;
}

int be_open(void)
{
	return sys(shim ? open("/sys/kernel/debug/kcov", O_RDWR) : kcov_sim_open());
}

long be_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	return sys(shim ? ioctl(fd, cmd, arg) : kcov_sim_ioctl(fd, cmd, arg));
}

long be_mmap(int fd, size_t len, int prot, off_t off, void **addr)
{
	void *p = shim ? mmap(NULL, len, prot, MAP_SHARED, fd, off)
		       : kcov_sim_mmap(NULL, len, prot, MAP_SHARED, fd, off);

	if (p == MAP_FAILED)
		return -errno;
	*addr = p;
	return 0;
}

int be_munmap(void *addr, size_t len)
{
	return sys(shim ? munmap(addr, len) : kcov_sim_munmap(addr, len));
}

int be_close(int fd)
{
	return sys(shim ? close(fd) : kcov_sim_close(fd));
}

int be_dup(int fd)
{
	return sys(dup(fd));
}

uint64_t be_dev_of(int fd)
{
	struct kcov_sim_dev_info info;

	INFO_INIT(info);
	if (kcov_sim_dev_info(fd, &info))
		return 0;
	return info.id + 1;	/* 0 means "none" here */
}

int be_dev_refcount(uint64_t dev)
{
	struct kcov_sim_dev_info info;

	INFO_INIT(info);
	if (kcov_sim_dev_info_id(dev - 1, &info))
		return -1;
	return info.refcount;
}

unsigned long *be_dev_area(uint64_t dev)
{
	struct kcov_sim_dev_info info;

	INFO_INIT(info);
	if (kcov_sim_dev_info_id(dev - 1, &info))
		return NULL;
	return info.area;
}

void be_remote_start(uint64_t h)	{ kcov_remote_start(h); }
void be_remote_stop(void)		{ kcov_remote_stop(); }
void be_remote_start_common(uint64_t id) { kcov_remote_start_common(id); }
void be_remote_start_usb(uint64_t id)	{ kcov_remote_start_usb(id); }
void be_remote_start_usb_softirq(uint64_t id) { kcov_remote_start_usb_softirq(id); }
void be_remote_stop_softirq(void)	{ kcov_remote_stop_softirq(); }
uint64_t be_common_handle(void)		{ return kcov_common_handle(); }

void be_softirq_enter(void)		{ kcov_sim_softirq_enter(); }
void be_softirq_exit(void)		{ kcov_sim_softirq_exit(); }
void be_hardirq_enter(void)		{ kcov_sim_hardirq_enter(); }
void be_hardirq_exit(void)		{ kcov_sim_hardirq_exit(); }
void be_nmi_enter(void)			{ kcov_sim_nmi_enter(); }
void be_nmi_exit(void)			{ kcov_sim_nmi_exit(); }
void be_bh_disable(void)		{ kcov_sim_bh_disable(); }
void be_bh_enable(void)			{ kcov_sim_bh_enable(); }
void be_ctxsw_begin(void)		{ kcov_sim_ctxsw_begin(); }
void be_ctxsw_end(void)			{ kcov_sim_ctxsw_end(); }

unsigned long be_warn_count(void)	{ return kcov_sim_warn_count(); }

unsigned long be_section_allocs(void)
{
	struct kcov_sim_pool_stats st;

	INFO_INIT(st);
	if (kcov_sim_pool_stats(&st))
		return 0;
	return st.allocs;
}

unsigned long be_oob_check(char *where, size_t len)
{
	(void)where;
	(void)len;
	return 0;	/* the library never writes outside a buffer */
}

int be_is_kptr(unsigned long v)
{
	(void)v;
	return 0;
}

void be_uapi(struct be_uapi *u)
{
	int n;

	u->init_trace = KCOV_INIT_TRACE;
	u->enable = KCOV_ENABLE;
	u->disable = KCOV_DISABLE;
	u->remote_enable = KCOV_REMOTE_ENABLE;
	u->arg_size = sizeof(struct kcov_remote_arg);
	u->arg_align = _Alignof(struct kcov_remote_arg);
	u->off_trace_mode = offsetof(struct kcov_remote_arg, trace_mode);
	u->off_area_size = offsetof(struct kcov_remote_arg, area_size);
	u->off_num_handles = offsetof(struct kcov_remote_arg, num_handles);
	u->off_common_handle = offsetof(struct kcov_remote_arg, common_handle);
	u->off_handles = offsetof(struct kcov_remote_arg, handles);
	u->h_usb1 = kcov_remote_handle(KCOV_SUBSYSTEM_USB, 1);
	u->h_common42 = kcov_remote_handle(KCOV_SUBSYSTEM_COMMON, 0x42);
	u->h_bad_subsys = kcov_remote_handle(1, 1);
	u->h_bad_inst = kcov_remote_handle(KCOV_SUBSYSTEM_USB, 1ull << 32);
	for (n = 0; n < 4; n++)
		u->cmp_size[n] = KCOV_CMP_SIZE(n);
	u->cmp_mask = KCOV_CMP_MASK;
	u->cmp_const = KCOV_CMP_CONST;
	u->max_handles = KCOV_REMOTE_MAX_HANDLES;
}
