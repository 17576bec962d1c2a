/* SPDX-License-Identifier: MIT */
/*
 * helpers.h - test support linked into every test (uninstrumented).
 *
 * t_open/t_ioctl/t_mmap/t_munmap/t_close go through the front door chosen
 * by KSIM_TEST_DOOR: "api" (kcov_sim_*) or "shim" (open/ioctl/... of libc,
 * interposed). ctest runs every spec test through both.
 */
#ifndef KSIM_TEST_HELPERS_H
#define KSIM_TEST_HELPERS_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <sys/types.h>

#include <kcov-sim/kcov.h>
#include <kcov-sim/kernel.h>
#include <kcov-sim/sim.h>

#define T_SKIP	77	/* SKIP_RETURN_CODE */

/* The hooks, called explicitly: each call is one "PC()" of the spec. */
void __sanitizer_cov_trace_pc(void);
void __sanitizer_cov_trace_cmp1(uint8_t, uint8_t);
void __sanitizer_cov_trace_cmp2(uint16_t, uint16_t);
void __sanitizer_cov_trace_cmp4(uint32_t, uint32_t);
void __sanitizer_cov_trace_cmp8(unsigned long, unsigned long);
void __sanitizer_cov_trace_const_cmp1(uint8_t, uint8_t);
void __sanitizer_cov_trace_const_cmp2(uint16_t, uint16_t);
void __sanitizer_cov_trace_const_cmp4(uint32_t, uint32_t);
void __sanitizer_cov_trace_const_cmp8(unsigned long, unsigned long);
void __sanitizer_cov_trace_switch(unsigned long, void *);

/* Front door selected by KSIM_TEST_DOOR (default "api"). */
int t_open(void);
int t_ioctl(int fd, unsigned long cmd, unsigned long arg);
void *t_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int t_munmap(void *addr, size_t len);
int t_close(int fd);
const char *t_door(void);

/* open + INIT(words) + mmap(RW, shared); fails the test on error. */
unsigned long *t_init_map(int fd, unsigned long words);

/* Three distinct call sites of __sanitizer_cov_trace_pc(), and a check
 * that a recorded PC came from one of them (the return address lies
 * inside the site's function). */
void t_pc_x(void);
void t_pc_y(void);
void t_pc_z(void);
int t_pc_is(unsigned long pc, void (*site)(void));
/* One cmp4 call site, for CMP ip checks. */
void t_cmp4_site(uint32_t a, uint32_t b);

/* Fixture: a fresh kcov fd in *state; teardown closes it and fails the
 * test on a WARN the test did not announce with t_warn_expect(). */
int t_fd_setup(void **state);
int t_fd_teardown(void **state);
int t_fd(void **state);
/* Fixture without an fd, same WARN accounting. */
int t_setup(void **state);
int t_teardown(void **state);
void t_warn_expect(unsigned long n);
const char *t_warn_last(void);

#define USB(i)		kcov_remote_handle(KCOV_SUBSYSTEM_USB, (i))

/*
 * Remote tests: every test gets USB handles of its own (HU(1), HU(2) ...),
 * so a handle a failed test left registered cannot disturb the next one.
 * t_remote_setup()/t_remote_fd_setup() move the base, then set up as
 * t_setup()/t_fd_setup() do.
 */
extern uint64_t t_hbase;
#define HU(i)		USB(t_hbase + (i))
int t_remote_setup(void **state);
int t_remote_fd_setup(void **state);
#define T_REMOTE_TEST(f)	cmocka_unit_test_setup_teardown(f, t_remote_setup, t_teardown)
#define T_REMOTE_FD_TEST(f)	cmocka_unit_test_setup_teardown(f, t_remote_fd_setup, t_fd_teardown)

/* sim.h introspection that fails the test if the call fails. */
struct kcov_sim_dev_info t_dev(int fd);
struct kcov_sim_pool_stats t_pool(void);
struct kcov_sim_task_info t_task(void);

/* KCOV_REMOTE_ENABLE with @n handles; returns like ioctl(2), through the
 * chosen door. Safe on worker threads (asserts nothing). */
int t_ren(int fd, uint32_t mode, uint32_t area_size, uint64_t common,
	  const uint64_t *handles, uint32_t n);

/*
 * A scripted kthread: one remote section on a thread of its own -
 * kcov_remote_start(handle), the sites in order, kcov_remote_stop(). With
 * @pause set it waits at two rendezvous points after the start, so the
 * owner can act while the section is open. Asserts nothing: it records
 * what the test checks afterwards.
 */
typedef void (*t_site_fn)(void);
#define T_KTHREAD_SITES	300
struct t_kthread {
	uint64_t		handle;
	t_site_fn		sites[T_KTHREAD_SITES];
	int			nr_sites;
	pthread_barrier_t	*pause;
	int			fd;		/* for refcount_in, or -1 */
	/* recorded by the thread right after the start */
	enum kcov_sim_mode	mode_in;
	unsigned int		size_in;
	int			refcount_in;
	struct kcov_sim_pool_stats pool_in;
};
long t_kthread_main(void *k);
/* Run @k's section on a new thread and wait for it. */
void t_kthread_run(struct t_kthread *k);
/* A site for the sites[]: cmp4(index of this site in the section, 0xc0). */
void t_cmp_step(void);
#define T_KTHREAD(h, ...) ((struct t_kthread){ .handle = (h),		\
	.sites = { __VA_ARGS__ },					\
	.nr_sites = sizeof((t_site_fn[]){ __VA_ARGS__ }) / sizeof(t_site_fn), \
	.fd = -1 })

/*
 * The profile the run simulates (KCOV_SIM_PROFILE, sim.h). A test of a
 * rule that only some profiles have names them (test_c076_p2026_...) and
 * skips in the others: t_profile_only("P-2026", NULL).
 */
bool t_profile_is(const char *name);
void t_profile_only(const char *name, ...);
/* The profile tracks a remote owner apart (P-2026's t->kcov_remote). */
bool t_profile_split(void);

/* Wait for child @pid; fails the test unless it exited (not a signal).
 * Returns its exit status. */
int t_child_exit(pid_t pid);
/* Run @fn as the only test of a cmocka group in a forked child: its exit
 * status (0 passed, 1 failed), and what it printed in @out (@len bytes). */
int t_run_cmocka_child(CMUnitTestFunction fn, char *out, size_t len);

/* One byte through a pipe, so two processes take turns; 0 or -1. Safe in
 * a forked child (asserts nothing). */
int t_pipe_send(int fd);
int t_pipe_recv(int fd);

/* Run fn(arg) on a new thread and join it; returns what fn returned. */
long t_in_thread(long (*fn)(void *), void *arg);

/* Assert a syscall mirror failed with @err (errno checked right away). */
#define assert_sys_err(expr, err) do {					\
	errno = 0;							\
	long __r = (long)(expr);					\
	int __e = errno;						\
	assert_int_equal(__r, -1);					\
	assert_int_equal(__e, (err));					\
} while (0)

/* Relaxed reads/writes of a mapped buffer (the owner may be another thread). */
#define T_READ(x)	__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define T_WRITE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

#endif /* KSIM_TEST_HELPERS_H */
