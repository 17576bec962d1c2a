/* SPDX-License-Identifier: MIT */
/*
 * Spec 8.10: softirq sections and nesting (cases 97-105). Case 104 (IRQ
 * buffer pool exhaustion) exists in the pool profiles (linux-6.1,
 * linux-6.12, P-2026), case 105 in the profiles of KCOV_MODE_REMOTE.
 *
 * The main thread plays the task T that the softirq interrupts; a helper
 * thread owns the remote device R for as long as a test needs it.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"

/*
 * USB handles of the running test: one that fails half-way may leave its
 * registrations behind, and the next test must not trip over them.
 */

/* KCOV_REMOTE_ENABLE with one handle; returns like ioctl(2). */
static int ren1(int fd, uint32_t mode, uint32_t area_size, uint64_t handle)
{
	struct kcov_remote_arg *arg;
	int ret, err;

	arg = calloc(1, sizeof(*arg) + sizeof(uint64_t));
	if (!arg)
		return -1;	/* errno is ENOMEM; may run on a worker */
	arg->trace_mode = mode;
	arg->area_size = area_size;
	arg->num_handles = 1;
	arg->handles[0] = handle;
	ret = t_ioctl(fd, KCOV_REMOTE_ENABLE, (unsigned long)arg);
	err = errno;
	free(arg);
	errno = err;
	return ret;
}

/* ---- R: a remote device owned by a helper thread ----------------------- */

struct owner {
	int			fd;
	unsigned long		*a;
	uint64_t		handle;
	pthread_barrier_t	b;
	pthread_t		id;
	int			ren, dis;
};

static void *owner_main(void *p)
{
	struct owner *o = p;

	o->ren = ren1(o->fd, KCOV_TRACE_PC, 64, o->handle);
	pthread_barrier_wait(&o->b);	/* registered */
	pthread_barrier_wait(&o->b);	/* the test is done */
	o->dis = o->ren ? 0 : t_ioctl(o->fd, KCOV_DISABLE, 0);
	return NULL;
}

static void owner_start(struct owner *o, uint64_t handle)
{
	o->fd = t_open();
	assert_true(o->fd >= 0);
	o->a = t_init_map(o->fd, 512);
	o->handle = handle;
	T_WRITE(o->a[0], 0);
	pthread_barrier_init(&o->b, NULL, 2);
	assert_int_equal(pthread_create(&o->id, NULL, owner_main, o), 0);
	pthread_barrier_wait(&o->b);
	assert_int_equal(o->ren, 0);
}

static void owner_stop(struct owner *o)
{
	pthread_barrier_wait(&o->b);
	pthread_join(o->id, NULL);
	pthread_barrier_destroy(&o->b);
	assert_int_equal(o->dis, 0);
	t_munmap(o->a, 4096);
	t_close(o->fd);
}

/* 8.10 #97: softirq section over T's local coverage: R +3, L resumes. */
static void test_c097_softirq_over_local(void **state)
{
	int fd = t_fd(state);
	unsigned long *l = t_init_map(fd, 512);
	struct owner r;

	owner_start(&r, HU(1));
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	T_WRITE(l[0], 0);
	t_pc_x();
	t_pc_x();
	kcov_sim_softirq_enter();
	kcov_remote_start(HU(1));
	t_pc_y();
	t_pc_y();
	t_pc_y();
	kcov_remote_stop();
	kcov_sim_softirq_exit();
	assert_int_equal(T_READ(r.a[0]), 3);
	assert_true(t_pc_is(r.a[1], t_pc_y) && t_pc_is(r.a[3], t_pc_y));
	assert_int_equal(T_READ(l[0]), 2);
	t_pc_z();
	assert_int_equal(T_READ(l[0]), 3);
	assert_true(t_pc_is(l[1], t_pc_x) && t_pc_is(l[2], t_pc_x));
	assert_true(t_pc_is(l[3], t_pc_z));
	assert_int_equal(T_READ(r.a[0]), 3);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	owner_stop(&r);
	t_munmap(l, 4096);
}

/* 8.10 #98: a hardirq inside a softirq section records nothing. */
static void test_c098_hardirq_in_softirq_section(void **state)
{
	struct owner r;

	(void)state;
	owner_start(&r, HU(1));
	kcov_sim_softirq_enter();
	kcov_remote_start(HU(1));
	t_pc_x();
	kcov_sim_hardirq_enter();
	t_pc_y();
	kcov_sim_hardirq_exit();
	t_pc_z();
	kcov_remote_stop();
	kcov_sim_softirq_exit();
	assert_int_equal(T_READ(r.a[0]), 2);
	assert_true(t_pc_is(r.a[1], t_pc_x));
	assert_true(t_pc_is(r.a[2], t_pc_z));
	owner_stop(&r);
}

/* 8.10 #99: start inside a hardirq nested in a softirq is ignored. */
static void test_c099_start_in_hardirq_over_softirq(void **state)
{
	KCOV_SIM_OUT(kcov_sim_task_info, in);
	struct owner r;

	(void)state;
	owner_start(&r, HU(1));
	kcov_sim_softirq_enter();
	kcov_sim_hardirq_enter();
	kcov_remote_start(HU(1));
	in = t_task();
	t_pc_x();
	kcov_remote_stop();
	kcov_sim_hardirq_exit();
	t_pc_y();	/* plain softirq, no section: nothing either */
	kcov_sim_softirq_exit();
	assert_int_equal(in.kcov_mode, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(in.kcov_softirq, 0);
	assert_int_equal(T_READ(r.a[0]), 0);
	assert_int_equal(t_task().kcov_mode, KCOV_SIM_MODE_DISABLED);
	owner_stop(&r);
}

/* 8.10 #100: a nested start in a softirq section WARNs and is ignored. */
static void test_c100_nested_softirq_start(void **state)
{
	unsigned long warns = kcov_sim_warn_count();
	struct owner r, r2;

	(void)state;
	owner_start(&r, HU(1));
	owner_start(&r2, HU(2));
	t_warn_expect(1);
	kcov_sim_softirq_enter();
	kcov_remote_start(HU(1));
	t_pc_x();
	kcov_remote_start(HU(2));
	t_pc_y();
	kcov_remote_stop();
	kcov_sim_softirq_exit();
	assert_int_equal(kcov_sim_warn_count(), warns + 1);
	assert_int_equal(T_READ(r.a[0]), 2);
	assert_true(t_pc_is(r.a[1], t_pc_x));
	assert_true(t_pc_is(r.a[2], t_pc_y));
	assert_int_equal(T_READ(r2.a[0]), 0);
	assert_int_equal(t_task().kcov_softirq, 0);
	owner_stop(&r2);
	owner_stop(&r);
}

struct nested_kthread {
	unsigned int mode_after_inner_stop;
};

static long nested_kthread_main(void *p)
{
	struct nested_kthread *nk = p;
	KCOV_SIM_OUT(kcov_sim_task_info, ti);

	kcov_remote_start(HU(1));
	t_pc_x();
	kcov_remote_start(HU(2));	/* WARN, ignored */
	t_pc_y();
	kcov_remote_stop();		/* ends the outer section early */
	kcov_sim_task_info(&ti);
	nk->mode_after_inner_stop = ti.kcov_mode;
	t_pc_z();
	kcov_remote_stop();		/* nothing left to stop */
	return 0;
}

/* 8.10 #101: nested start in a task section: WARN, ignored. */
static void test_c101_nested_task_start(void **state)
{
	unsigned long warns = kcov_sim_warn_count();
	struct nested_kthread nk = { 99 };
	struct owner r, r2;

	(void)state;
	owner_start(&r, HU(1));
	owner_start(&r2, HU(2));
	t_warn_expect(1);
	t_in_thread(nested_kthread_main, &nk);
	assert_int_equal(kcov_sim_warn_count(), warns + 1);
	assert_int_equal(nk.mode_after_inner_stop, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(T_READ(r.a[0]), 2);
	assert_true(t_pc_is(r.a[1], t_pc_x));
	assert_true(t_pc_is(r.a[2], t_pc_y));
	assert_int_equal(r.a[3], 0);
	assert_int_equal(T_READ(r2.a[0]), 0);
	owner_stop(&r2);
	owner_stop(&r);
}

/* 8.10 #102: the _softirq helpers act only in a real softirq. */
static void test_c102_usb_softirq_helpers(void **state)
{
	KCOV_SIM_OUT(kcov_sim_task_info, in_task);
	KCOV_SIM_OUT(kcov_sim_task_info, in_hardirq);
	struct owner r;

	(void)state;
	owner_start(&r, HU(1));
	kcov_remote_start_usb_softirq(t_hbase + 1);
	in_task = t_task();
	t_pc_x();
	kcov_remote_stop_softirq();
	assert_int_equal(in_task.kcov_mode, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(T_READ(r.a[0]), 0);

	kcov_sim_softirq_enter();
	kcov_remote_start_usb_softirq(t_hbase + 1);
	t_pc_y();
	kcov_remote_stop_softirq();
	kcov_sim_softirq_exit();
	assert_int_equal(T_READ(r.a[0]), 1);
	assert_true(t_pc_is(r.a[1], t_pc_y));

	kcov_sim_softirq_enter();
	kcov_sim_hardirq_enter();
	kcov_remote_start_usb_softirq(t_hbase + 1);
	in_hardirq = t_task();
	kcov_sim_hardirq_exit();
	t_pc_z();
	kcov_remote_stop_softirq();
	kcov_sim_softirq_exit();
	assert_int_equal(in_hardirq.kcov_mode, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(in_hardirq.kcov_softirq, 0);
	assert_int_equal(T_READ(r.a[0]), 1);
	owner_stop(&r);
}

/* 8.10 #103: softirq, unregistered handle: nothing recorded, T intact. */
static void test_c103_softirq_unregistered_over_local(void **state)
{
	int fd = t_fd(state);
	unsigned long *l = t_init_map(fd, 512);
	unsigned long warns = kcov_sim_warn_count();
	KCOV_SIM_OUT(kcov_sim_task_info, in);
	KCOV_SIM_OUT(kcov_sim_task_info, after);
	struct owner r;

	owner_start(&r, HU(1));
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	T_WRITE(l[0], 0);
	t_pc_x();
	kcov_sim_softirq_enter();
	kcov_remote_start(HU(9));
	in = t_task();
	t_pc_y();
	kcov_remote_stop();
	after = t_task();
	kcov_sim_softirq_exit();
	assert_int_equal(in.kcov_softirq, 0);
	assert_int_equal(in.kcov_mode, KCOV_SIM_MODE_TRACE_PC);	/* T's, paused by context */
	assert_int_equal(after.kcov_mode, KCOV_SIM_MODE_TRACE_PC);
	assert_int_equal(T_READ(l[0]), 1);
	assert_int_equal(T_READ(r.a[0]), 0);
	t_pc_z();
	assert_int_equal(T_READ(l[0]), 2);
	assert_true(t_pc_is(l[1], t_pc_x));
	assert_true(t_pc_is(l[2], t_pc_z));
	assert_int_equal(kcov_sim_warn_count(), warns);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	owner_stop(&r);
	t_munmap(l, 4096);
}

/* 8.10 #105 [P-2025]: softirq section over the owner: DIS still works. */
static void test_c105_p2025_softirq_over_owner(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	KCOV_SIM_OUT(kcov_sim_task_info, before);
	KCOV_SIM_OUT(kcov_sim_task_info, after);
	KCOV_SIM_OUT(kcov_sim_dev_info, info);

	t_profile_only("P-2025", "linux-6.1", "linux-6.12", NULL);
	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	T_WRITE(a[0], 0);
	before = t_task();
	kcov_sim_softirq_enter();
	kcov_remote_start(HU(1));
	t_pc_x();
	kcov_remote_stop();
	kcov_sim_softirq_exit();
	after = t_task();
	assert_int_equal(before.kcov_mode, KCOV_SIM_MODE_REMOTE);
	assert_int_equal(after.kcov_mode, KCOV_SIM_MODE_REMOTE);
	assert_int_equal(after.attached, 1);
	assert_int_equal(T_READ(a[0]), 1);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_int_equal(kcov_sim_dev_info(fd, &info), 0);
	assert_int_equal(info.refcount, 2);	/* file + owner */
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(kcov_sim_dev_info(fd, &info), 0);
	assert_int_equal(info.refcount, 1);
	assert_int_equal(info.nr_handles, 0);
	assert_int_equal(t_task().kcov_mode, KCOV_SIM_MODE_DISABLED);
	t_munmap(a, 4096);
}

/*
 * Two overlapping softirq sections on two simulated CPUs (threads), with
 * an IRQ pool of one buffer: the first holds it, the second collects
 * nothing; the first's data arrives.
 */
struct softirq_cpu {
	pthread_barrier_t	*both_in;
	uint64_t		handle;
	void			(*site)(void);
};

static long softirq_cpu_main(void *p)
{
	struct softirq_cpu *c = p;

	kcov_sim_softirq_enter();
	kcov_remote_start(c->handle);
	c->site();
	pthread_barrier_wait(c->both_in);	/* both sections are open */
	kcov_remote_stop();
	kcov_sim_softirq_exit();
	return 0;
}

static void *softirq_cpu_thread(void *p)
{
	softirq_cpu_main(p);
	return NULL;
}

/* 8.10 #104 [pool profiles]: the IRQ pool exhausted. */
static void test_c104_pool_irq_pool_exhausted(void **state)
{
	pthread_barrier_t both;
	struct softirq_cpu first = { &both, 0, t_pc_x }, second = { &both, 0, t_pc_y };
	uint64_t h[2];
	unsigned long *a;
	pthread_t id;
	int fd;

	(void)state;
	t_profile_only("linux-6.1", "linux-6.12", "P-2026", NULL);
	assert_int_equal(kcov_sim_set_nr_cpus(1), 0);
	fd = t_open();
	assert_true(fd >= 0);
	a = t_init_map(fd, 512);
	h[0] = first.handle = HU(1);
	h[1] = second.handle = HU(2);
	assert_int_equal(t_ren(fd, KCOV_TRACE_PC, 64, 0, h, 2), 0);
	T_WRITE(a[0], 0);
	assert_int_equal(t_pool().irq_pooled, 1);
	pthread_barrier_init(&both, NULL, 2);
	assert_int_equal(pthread_create(&id, NULL, softirq_cpu_thread, &first), 0);
	/* The second starts only once the first holds the pool's buffer. */
	while (t_pool().irq_pooled)
		sched_yield();
	t_in_thread(softirq_cpu_main, &second);
	pthread_join(id, NULL);
	pthread_barrier_destroy(&both);
	assert_int_equal(T_READ(a[0]), 1);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_int_equal(t_pool().irq_empty, 1);
	assert_int_equal(t_pool().irq_pooled, 1);	/* back in the pool */
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
	t_close(fd);
	assert_int_equal(kcov_sim_set_nr_cpus((unsigned int)sysconf(_SC_NPROCESSORS_CONF)), 0);
}

#define FD_TEST(f)	T_REMOTE_FD_TEST(f)
#define NOFD_TEST(f)	T_REMOTE_TEST(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FD_TEST(test_c097_softirq_over_local),
		NOFD_TEST(test_c098_hardirq_in_softirq_section),
		NOFD_TEST(test_c099_start_in_hardirq_over_softirq),
		NOFD_TEST(test_c100_nested_softirq_start),
		NOFD_TEST(test_c101_nested_task_start),
		NOFD_TEST(test_c102_usb_softirq_helpers),
		FD_TEST(test_c103_softirq_unregistered_over_local),
		NOFD_TEST(test_c104_pool_irq_pool_exhausted),
		FD_TEST(test_c105_p2025_softirq_over_owner),
	};

	return cmocka_run_group_tests_name("spec 8.10 softirq and nesting",
					   tests, NULL, NULL);
}
