/* SPDX-License-Identifier: MIT */
/*
 * driver.h - the scenario language of the oracle tests. Scenarios and the
 * random generator are written once against these calls and compiled into
 * every backend's binary (backend.h). Each call runs the operation on the
 * thread of the simulated task it names, waits for it, and prints one
 * normalised transcript line: results with errno names, buffer words with
 * PCs named by call site, kernel pointers as "kptr", WARNs and
 * out-of-bounds writes seen during the operation.
 *
 * Tasks are numbered t0 (the process's first thread) upwards; files f0..
 * (indices into the driver's own table, not fd numbers), mappings m0..,
 * devices d0.. in order of first appearance.
 */
#ifndef KSIM_ORACLE_DRIVER_H
#define KSIM_ORACLE_DRIVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include <kcov-sim/kcov.h>	/* uapi values (the ABI's facts) */

#define D_MAX_TASKS	16
#define D_MAX_FILES	32
#define D_MAX_MAPS	32
#define D_MAX_DEVS	32
#define D_PC_SITES	16
#define D_RW		(PROT_READ | PROT_WRITE)
#define D_RO		PROT_READ

#define USB(i)		kcov_remote_handle(KCOV_SUBSYSTEM_USB, (i))
#define COMMON(i)	kcov_remote_handle(KCOV_SUBSYSTEM_COMMON, (i))

/* ---- transcript ---- */
void d_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a line only when verbose output is wanted (comments, "# ..."). */
void d_comment(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- tasks ---- */
int d_task(int parent);			/* created by @parent (inherits its handle) */
void d_exit(int t);

/* ---- files, ioctls, mappings ---- */
int d_open(int t);			/* file index, or -1 */
long d_ioctl(int t, int f, unsigned long cmd, unsigned long arg);
long d_init(int t, int f, unsigned long words);
long d_enable(int t, int f, unsigned long mode);
long d_disable(int t, int f);
/* KCOV_REMOTE_ENABLE with a copy of these fields in a fresh buffer. */
long d_remote_enable(int t, int f, unsigned int mode, unsigned int area_size,
		     uint64_t common, unsigned int n, const uint64_t *handles);
/* KCOV_REMOTE_ENABLE with a caller-built argument pointer (bad pointers). */
long d_remote_enable_ptr(int t, int f, const void *arg, const char *what);
int d_mmap(int t, int f, size_t len, int prot, off_t off);	/* map or -1 */
long d_munmap(int t, int m);
long d_close(int t, int f);
int d_dup(int t, int f);

/* ---- the buffer, through a user mapping or the device (unmappable) ---- */
unsigned long *d_map_addr(int m);
unsigned long d_peek(int m, size_t i);
void d_poke(int m, size_t i, unsigned long v);
void d_dump(int m, size_t from, size_t n);
int d_dev(int f);			/* device index of file @f, or -1 */
void d_dump_dev(int d, size_t from, size_t n);
void d_poke_dev(int d, size_t i, unsigned long v);
void d_devinfo(int d);			/* refcount, or "freed" */
void d_allocs(void);			/* task-context section buffers so far */

/* ---- hooks, from distinct call sites ---- */
void d_pc(int t, int site);		/* site 0..D_PC_SITES-1 */
/* kind 0..7: cmp1, cmp2, cmp4, cmp8, const_cmp1, ..., const_cmp8 */
void d_cmp(int t, int kind, uint64_t a, uint64_t b);
void d_switch(int t, uint64_t val, const uint64_t *cases);

/* ---- kernel side ---- */
void d_rstart(int t, uint64_t handle);
void d_rstop(int t);
void d_rstart_common(int t, uint64_t id);
void d_rstart_usb(int t, uint64_t id);
void d_rstart_usb_softirq(int t, uint64_t id);
void d_rstop_softirq(int t);
uint64_t d_common_handle(int t);

/* ---- contexts ---- */
enum d_ctx {
	D_SOFTIRQ_IN, D_SOFTIRQ_OUT, D_HARDIRQ_IN, D_HARDIRQ_OUT,
	D_NMI_IN, D_NMI_OUT, D_BH_OFF, D_BH_ON, D_CTXSW_IN, D_CTXSW_OUT,
};
void d_ctx(int t, enum d_ctx c);

/* ---- the uapi facts (spec 8.1) ---- */
void d_uapi(void);

/* ---- counters for the generator's figures ---- */
struct d_stats {
	unsigned long ops, sections_stopped, deliveries, softirq_sections,
		      warns, buffers_changed;
};
extern struct d_stats d_stats;
/* Words of mapping @m that changed since the last call (prints them). */
int d_diff_maps(void);

/* Run scenario/sequence bodies, each in a fresh child process. */
typedef void (*d_body_fn)(void *arg);
int d_run_isolated(const char *title, d_body_fn body, void *arg,
		   unsigned int nr_cpus, int no_cmp, unsigned int timeout_s);

#endif /* KSIM_ORACLE_DRIVER_H */
