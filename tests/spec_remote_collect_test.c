/* SPDX-License-Identifier: MIT */
/*
 * Spec 8.9: remote collection (cases 80-96, profile P-2025). The test's main
 * thread is the owner; "kthreads" are plain threads that bracket hook calls
 * with kcov_remote_start()/kcov_remote_stop(). Workers only record; the
 * main thread asserts.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

/*
 * USB handles of the running test: one that fails half-way may leave its
 * registrations behind, and the next test must not trip over them.
 */

static int ren1(int fd, uint32_t mode, uint32_t area_size, uint64_t handle)
{
	return t_ren(fd, mode, area_size, 0, &handle, 1);
}

static void *kthread_pthread(void *p)
{
	t_kthread_main(p);
	return NULL;
}

/* 8.9 #80: a kthread section reaches A; the owner's own PCs do not. */
static void test_c080_global_handle_section(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	struct t_kthread k = T_KTHREAD(HU(1), t_pc_x, t_pc_y, t_pc_z);

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	T_WRITE(a[0], 0);
	t_pc_x();
	assert_int_equal(T_READ(a[0]), 0);
	t_kthread_run(&k);
	assert_int_equal(k.mode_in, KCOV_SIM_MODE_TRACE_PC);
	assert_int_equal(T_READ(a[0]), 3);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_true(t_pc_is(a[2], t_pc_y));
	assert_true(t_pc_is(a[3], t_pc_z));
	t_pc_y();
	assert_int_equal(T_READ(a[0]), 3);
	assert_int_equal(a[4], 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

struct common_worker {
	uint64_t handle;
};

static long common_worker_main(void *p)
{
	struct common_worker *w = p;

	w->handle = kcov_common_handle();
	kcov_remote_start(w->handle);
	t_pc_x();
	t_pc_y();
	kcov_remote_stop();
	return 0;
}

/* 8.9 #81: a worker inherits the common handle and collects with it. */
static void test_c081_common_handle_worker(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	struct common_worker w = { 0 };

	assert_int_equal(t_ren(fd, KCOV_TRACE_PC, 64, 0x42, NULL, 0), 0);
	T_WRITE(a[0], 0);
	t_in_thread(common_worker_main, &w);
	assert_int_equal(w.handle, 0x42);
	assert_int_equal(T_READ(a[0]), 2);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_true(t_pc_is(a[2], t_pc_y));
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* 8.9 #82: a forked child has handle 0x42; a softirq sees 0. */
static void test_c082_fork_inherits_common_handle(void **state)
{
	int fd = t_fd(state), pfd[2];
	uint64_t got = 0, in_softirq;
	pid_t pid;

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(t_ren(fd, KCOV_TRACE_PC, 64, 0x42, NULL, 0), 0);
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint64_t h = kcov_common_handle();

		_exit(write(pfd[1], &h, sizeof(h)) == sizeof(h) ? 0 : 1);
	}
	assert_int_equal(read(pfd[0], &got, sizeof(got)), sizeof(got));
	assert_int_equal(t_child_exit(pid), 0);
	assert_int_equal(got, 0x42);

	kcov_sim_softirq_enter();
	in_softirq = kcov_common_handle();
	kcov_sim_softirq_exit();
	assert_int_equal(in_softirq, 0);
	assert_int_equal(kcov_common_handle(), 0x42);
	close(pfd[0]);
	close(pfd[1]);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
}

/* 8.9 #82: a forked child's section lands in the parent's mapping. */
static void test_c082_child_section_reaches_parent(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	pid_t pid;

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	T_WRITE(a[0], 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		kcov_remote_start(HU(1));
		t_pc_y();
		t_pc_x();
		kcov_remote_stop();
		_exit(0);
	}
	assert_int_equal(t_child_exit(pid), 0);
	assert_int_equal(T_READ(a[0]), 2);
	assert_true(t_pc_is(a[1], t_pc_y));
	assert_true(t_pc_is(a[2], t_pc_x));
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/*
 * 8.9 #82 and 5.10: the forked child's sections stop reaching the buffer
 * once the parent has disabled the device (its handles are gone), and the
 * child records nothing anywhere.
 */
static void test_c082_child_section_after_parent_disable(void **state)
{
	int fd = t_fd(state), go[2], done[2];
	unsigned long *a = t_init_map(fd, 512);
	pid_t pid;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	T_WRITE(a[0], 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(30);	/* a failed parent never answers */
		kcov_remote_start(HU(1));
		t_pc_x();
		kcov_remote_stop();
		if (t_pipe_send(done[1]) || t_pipe_recv(go[0]))
			_exit(64);
		kcov_remote_start(HU(1));
		t_pc_y();
		kcov_remote_stop();
		_exit(0);
	}
	assert_int_equal(t_pipe_recv(done[0]), 0);
	assert_int_equal(T_READ(a[0]), 1);	/* the section while enabled */
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	T_WRITE(a[0], 0);
	assert_int_equal(t_pipe_send(go[1]), 0);
	assert_int_equal(t_child_exit(pid), 0);
	assert_int_equal(T_READ(a[0]), 0);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	t_munmap(a, 4096);
}

/*
 * 8.9 #93 across fork (issue 13 #3): a forked child's section that is
 * running when the owner's DISABLE returns must not land afterwards: its
 * stop checks the one device's sequence, which the DISABLE bumped.
 */
static void test_c093_child_section_in_flight_at_disable(void **state)
{
	int fd = t_fd(state), go[2], started[2];
	unsigned long *a = t_init_map(fd, 512);
	pid_t pid;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(started), 0);
	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	T_WRITE(a[0], 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(30);	/* a failed parent never answers */
		kcov_remote_start(HU(1));
		t_pc_x();
		t_pc_y();
		if (t_pipe_send(started[1]) || t_pipe_recv(go[0]))
			_exit(64);
		kcov_remote_stop();
		_exit(0);
	}
	assert_int_equal(t_pipe_recv(started[0]), 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	T_WRITE(a[0], 0);
	assert_int_equal(t_pipe_send(go[1]), 0);
	assert_int_equal(t_child_exit(pid), 0);
	assert_int_equal(T_READ(a[0]), 0);	/* nothing after DISABLE */
	assert_int_equal(a[1], 0);
	close(go[0]);
	close(go[1]);
	close(started[0]);
	close(started[1]);
	t_munmap(a, 4096);
}

/* 8.9 #83: an unregistered handle: no section, no PCs, no reference. */
static void test_c083_unregistered_handle(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	struct t_kthread k = T_KTHREAD(HU(7), t_pc_x, t_pc_y);
	int refs;

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	T_WRITE(a[0], 0);
	refs = t_dev(fd).refcount;
	k.fd = fd;
	t_kthread_run(&k);
	assert_int_equal(k.mode_in, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(k.refcount_in, refs);
	assert_int_equal(k.pool_in.sections, 0);
	assert_int_equal(t_dev(fd).refcount, refs);
	assert_int_equal(T_READ(a[0]), 0);
	assert_int_equal(a[1], 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* 8.9 #84: a handle of an unknown subsystem: WARN, no section. */
static void test_c084_invalid_handle_warns(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	struct t_kthread k = T_KTHREAD(0x02ull << 56, t_pc_x);
	unsigned long warns = kcov_sim_warn_count();

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(0)), 0);
	T_WRITE(a[0], 0);
	t_warn_expect(1);
	t_kthread_run(&k);
	assert_int_equal(kcov_sim_warn_count(), warns + 1);
	assert_int_equal(k.mode_in, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(T_READ(a[0]), 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* 8.9 #85: two sequential sections append in stop order. */
static void test_c085_sequential_sections(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	struct t_kthread k1 = T_KTHREAD(HU(1), t_pc_x, t_pc_x);
	struct t_kthread k2 = T_KTHREAD(HU(1), t_pc_y, t_pc_y, t_pc_y);

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	T_WRITE(a[0], 0);
	t_kthread_run(&k1);
	t_kthread_run(&k2);
	assert_int_equal(T_READ(a[0]), 5);
	assert_true(t_pc_is(a[1], t_pc_x) && t_pc_is(a[2], t_pc_x));
	assert_true(t_pc_is(a[3], t_pc_y) && t_pc_is(a[4], t_pc_y) &&
		    t_pc_is(a[5], t_pc_y));
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* Two sections that record interleaved in time; the second one stops first. */
struct pair {
	pthread_barrier_t	step;		/* both threads */
	pthread_mutex_t		lock;
	pthread_cond_t		cond;
	int			second_stopped;
};

struct pair_thread {
	struct pair	*pair;
	uint64_t	handle;
	t_site_fn	site;
	int		nr;
	int		stops_first;
};

static void *pair_main(void *p)
{
	struct pair_thread *pt = p;
	struct pair *pr = pt->pair;

	kcov_remote_start(pt->handle);
	for (int i = 0; i < 3; i++) {
		if (i < pt->nr)
			pt->site();
		pthread_barrier_wait(&pr->step);
	}
	pthread_mutex_lock(&pr->lock);
	if (pt->stops_first) {
		kcov_remote_stop();
		pr->second_stopped = 1;
		pthread_cond_signal(&pr->cond);
	} else {
		while (!pr->second_stopped)
			pthread_cond_wait(&pr->cond, &pr->lock);
		kcov_remote_stop();
	}
	pthread_mutex_unlock(&pr->lock);
	return NULL;
}

/* 8.9 #86: concurrent sections: each contiguous, in stop order. */
static void test_c086_concurrent_sections(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	uint64_t h[2] = { HU(1), HU(2) };
	struct pair pr = { .lock = PTHREAD_MUTEX_INITIALIZER,
			   .cond = PTHREAD_COND_INITIALIZER };
	struct pair_thread t1 = { &pr, HU(1), t_pc_x, 3, 0 };
	struct pair_thread t2 = { &pr, HU(2), t_pc_y, 2, 1 };
	pthread_t id1, id2;

	assert_int_equal(t_ren(fd, KCOV_TRACE_PC, 64, 0, h, 2), 0);
	T_WRITE(a[0], 0);
	pthread_barrier_init(&pr.step, NULL, 2);
	assert_int_equal(pthread_create(&id1, NULL, pair_main, &t1), 0);
	assert_int_equal(pthread_create(&id2, NULL, pair_main, &t2), 0);
	pthread_join(id1, NULL);
	pthread_join(id2, NULL);
	pthread_barrier_destroy(&pr.step);
	assert_int_equal(T_READ(a[0]), 5);
	assert_true(t_pc_is(a[1], t_pc_y) && t_pc_is(a[2], t_pc_y));
	assert_true(t_pc_is(a[3], t_pc_x) && t_pc_is(a[4], t_pc_x) &&
		    t_pc_is(a[5], t_pc_x));
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* 8.9 #87: a 4-word user buffer with count 1 takes the first 2 of 5 PCs. */
static void test_c087_pc_truncation(void **state)
{
	int fd = t_fd(state);
	struct t_kthread k = T_KTHREAD(HU(1), t_pc_x, t_pc_y, t_pc_z, t_pc_z,
				   t_pc_z);
	KCOV_SIM_OUT(kcov_sim_dev_info, info);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 4), 0);
	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	info = t_dev(fd);
	assert_non_null(info.area);
	T_WRITE(info.area[0], 1);
	T_WRITE(info.area[1], 0xabcd);
	t_kthread_run(&k);
	assert_int_equal(T_READ(info.area[0]), 3);
	assert_int_equal(info.area[1], 0xabcd);
	assert_true(t_pc_is(info.area[2], t_pc_x));
	assert_true(t_pc_is(info.area[3], t_pc_y));
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
}

struct cmp_worker {
	uint64_t handle;
	uint32_t a, b;
	int nr;
};

static long cmp_worker_main(void *p)
{
	struct cmp_worker *w = p;

	kcov_remote_start(w->handle);
	for (int i = 0; i < w->nr; i++)
		t_cmp4_site(w->a + (uint32_t)i, w->b);
	kcov_remote_stop();
	return 0;
}

/* 8.9 #88: A[0]=127, one CMP record: 24 bytes land, A[0] stays 127. */
static void test_c088_cmp_partial_record(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	struct cmp_worker w = { HU(1), 0x1188, 0x2288, 1 };

	assert_int_equal(ren1(fd, KCOV_TRACE_CMP, 64, HU(1)), 0);
	T_WRITE(a[0], 127);
	t_in_thread(cmp_worker_main, &w);
	assert_int_equal(T_READ(a[0]), 127);
	/* Bytes 4072..4095: type, arg1, arg2 (the ip did not fit). */
	assert_int_equal(a[509], KCOV_CMP_SIZE(2));
	assert_int_equal(a[510], 0x1188);
	assert_int_equal(a[511], 0x2288);
	assert_int_equal(a[508], 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* 8.9 #89: a user count beyond capacity: nothing copied, count unchanged. */
static void test_c089_corrupt_counter(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	struct t_kthread k = T_KTHREAD(HU(1), t_pc_x, t_pc_y);

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	T_WRITE(a[0], 10000);
	t_kthread_run(&k);
	assert_int_equal(k.mode_in, KCOV_SIM_MODE_TRACE_PC);
	assert_int_equal(T_READ(a[0]), 10000);
	for (int i = 1; i < 512; i++)
		assert_int_equal(a[i], 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* 8.9 #90: area_size 1 runs a section that holds nothing; 0 runs none. */
static void test_c090_tiny_area_size(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	struct t_kthread k1 = T_KTHREAD(HU(1), t_pc_x, t_pc_y);
	struct t_kthread k0 = T_KTHREAD(HU(1), t_pc_x, t_pc_y);
	KCOV_SIM_OUT(kcov_sim_pool_stats, before);

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 1, HU(1)), 0);
	T_WRITE(a[0], 0);
	t_kthread_run(&k1);
	assert_int_equal(k1.mode_in, KCOV_SIM_MODE_TRACE_PC);
	assert_int_equal(k1.size_in, 1);
	assert_int_equal(k1.pool_in.sections, 1);
	assert_int_equal(T_READ(a[0]), 0);
	assert_int_equal(a[1], 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 0, HU(1)), 0);
	before = t_pool();
	t_kthread_run(&k0);
	assert_int_equal(k0.mode_in, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(k0.pool_in.sections, 0);
	assert_int_equal(t_pool().allocs, before.allocs);
	assert_int_equal(t_pool().reuses, before.reuses);
	assert_int_equal(T_READ(a[0]), 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* 8.9 #91: one area_size reuses a pooled buffer; another allocates. */
static void test_c091_pool_reuse(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	struct t_kthread k = T_KTHREAD(HU(1), t_pc_x);
	KCOV_SIM_OUT(kcov_sim_pool_stats, s0);
	KCOV_SIM_OUT(kcov_sim_pool_stats, s1);
	KCOV_SIM_OUT(kcov_sim_pool_stats, s2);
	KCOV_SIM_OUT(kcov_sim_pool_stats, s3);

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 919, HU(1)), 0);
	T_WRITE(a[0], 0);
	s0 = t_pool();
	t_kthread_run(&k);
	s1 = t_pool();
	assert_int_equal(s1.allocs, s0.allocs + 1);
	assert_int_equal(s1.pooled, s0.pooled + 1);
	t_kthread_run(&k);
	s2 = t_pool();
	assert_int_equal(s2.allocs, s1.allocs);
	assert_int_equal(s2.reuses, s1.reuses + 1);
	assert_int_equal(s2.pooled, s1.pooled);
	assert_int_equal(T_READ(a[0]), 2);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 918, HU(1)), 0);
	t_kthread_run(&k);
	s3 = t_pool();
	assert_int_equal(s3.allocs, s2.allocs + 1);
	assert_int_equal(s3.reuses, s2.reuses);
	assert_int_equal(s3.pooled, s2.pooled + 1);
	assert_int_equal(T_READ(a[0]), 3);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* 8.9 #92: a CMP section delivers one record with the kthread's ip. */
static void test_c092_cmp_remote(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	struct cmp_worker w = { HU(1), 1, 2, 1 };

	assert_int_equal(ren1(fd, KCOV_TRACE_CMP, 64, HU(1)), 0);
	T_WRITE(a[0], 0);
	t_in_thread(cmp_worker_main, &w);
	assert_int_equal(T_READ(a[0]), 1);
	assert_int_equal(a[1], KCOV_CMP_SIZE(2));
	assert_int_equal(a[2], 1);
	assert_int_equal(a[3], 2);
	assert_true(t_pc_is(a[4], (void (*)(void))t_cmp4_site));
	assert_int_equal(a[5], 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* A section paused after start: the owner acts between the rendezvous. */
struct paused {
	pthread_barrier_t	b;
	struct t_kthread		k;
	pthread_t		id;
};

static void paused_start(struct paused *ps, uint64_t handle, int fd)
{
	ps->k = T_KTHREAD(handle, t_pc_x, t_pc_x, t_pc_x);
	ps->k.fd = fd;
	ps->k.pause = &ps->b;
	pthread_barrier_init(&ps->b, NULL, 2);
	assert_int_equal(pthread_create(&ps->id, NULL, kthread_pthread, &ps->k), 0);
	pthread_barrier_wait(&ps->b);	/* the section is open */
}

static void paused_finish(struct paused *ps)
{
	pthread_barrier_wait(&ps->b);	/* record and stop */
	pthread_join(ps->id, NULL);
	pthread_barrier_destroy(&ps->b);
}

/* 8.9 #93: DIS during a section: data dropped, buffer pooled, handle gone. */
static void test_c093_disable_race(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	struct t_kthread later = T_KTHREAD(HU(1), t_pc_y);
	KCOV_SIM_OUT(kcov_sim_pool_stats, before);
	struct paused ps;

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	T_WRITE(a[0], 0);
	paused_start(&ps, HU(1), -1);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	before = t_pool();
	assert_int_equal(before.sections, 1);
	paused_finish(&ps);
	assert_int_equal(ps.k.mode_in, KCOV_SIM_MODE_TRACE_PC);
	assert_int_equal(T_READ(a[0]), 0);
	for (int i = 1; i < 8; i++)
		assert_int_equal(a[i], 0);
	assert_int_equal(t_pool().pooled, before.pooled + 1);
	assert_int_equal(t_pool().sections, 0);
	assert_int_equal(t_dev(fd).nr_handles, 0);
	assert_int_equal(t_dev(fd).refcount, 1);	/* the file only */
	t_kthread_run(&later);
	assert_int_equal(later.mode_in, KCOV_SIM_MODE_DISABLED);	/* not registered */
	t_munmap(a, 4096);
}

/* 8.9 #94: DIS+REN during a section: dropped; a new one is delivered. */
static void test_c094_disable_reenable_race(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	struct t_kthread later = T_KTHREAD(HU(1), t_pc_y, t_pc_z);
	struct paused ps;

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	T_WRITE(a[0], 0);
	paused_start(&ps, HU(1), -1);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	paused_finish(&ps);
	assert_int_equal(ps.k.mode_in, KCOV_SIM_MODE_TRACE_PC);
	assert_int_equal(T_READ(a[0]), 0);
	assert_int_equal(a[1], 0);
	t_kthread_run(&later);
	assert_int_equal(T_READ(a[0]), 2);
	assert_true(t_pc_is(a[1], t_pc_y));
	assert_true(t_pc_is(a[2], t_pc_z));
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* 8.9 #95: DIS, munmap, close mid-section: its stop frees the device. */
static void test_c095_close_race(void **state)
{
	int fd = t_open();
	unsigned long *a;
	KCOV_SIM_OUT(kcov_sim_dev_info, info);
	struct paused ps;
	uint64_t id;

	(void)state;
	assert_true(fd >= 0);
	a = t_init_map(fd, 512);
	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	id = t_dev(fd).id;
	paused_start(&ps, HU(1), fd);
	assert_int_equal(ps.k.refcount_in, 3);	/* file, owner, section */
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(t_munmap(a, 4096), 0);
	assert_int_equal(t_close(fd), 0);
	assert_int_equal(kcov_sim_dev_info_id(id, &info), 0);
	assert_int_equal(info.refcount, 1);
	assert_int_equal(info.file_open, 0);
	assert_int_equal(info.nr_handles, 0);
	paused_finish(&ps);
	assert_int_equal(kcov_sim_dev_info_id(id, &info), -ENOENT);
	assert_int_equal(t_pool().sections, 0);
}

struct owner_exit {
	int	fd, ret;
};

static long owner_exit_main(void *p)
{
	struct owner_exit *oe = p;

	oe->ret = ren1(oe->fd, KCOV_TRACE_PC, 64, HU(1));
	return 0;	/* exits without KCOV_DISABLE */
}

static long ren_dis_main(void *p)
{
	struct owner_exit *oe = p;

	oe->ret = ren1(oe->fd, KCOV_TRACE_PC, 64, HU(1));
	if (!oe->ret)
		oe->ret = t_ioctl(oe->fd, KCOV_DISABLE, 0) ? 100 : 0;
	return 0;
}

/* 8.9 #96: owner exits without DIS: handles go and can be re-registered. */
static void test_c096_owner_exit(void **state)
{
	int fd = t_fd(state), fd2 = t_open();
	struct owner_exit oe = { fd, -1 }, other = { fd2, -1 };
	struct t_kthread k = T_KTHREAD(HU(1), t_pc_x);
	size_t handles = t_pool().handles;
	KCOV_SIM_OUT(kcov_sim_dev_info, info);

	assert_true(fd2 >= 0);
	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(t_ioctl(fd2, KCOV_INIT_TRACE, 512), 0);
	t_in_thread(owner_exit_main, &oe);
	assert_int_equal(oe.ret, 0);
	info = t_dev(fd);
	assert_int_equal(info.mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(info.remote, 0);
	assert_int_equal(info.nr_handles, 0);
	assert_int_equal(info.refcount, 1);
	assert_int_equal(t_pool().handles, handles);
	t_kthread_run(&k);
	assert_int_equal(k.mode_in, KCOV_SIM_MODE_DISABLED);
	t_in_thread(ren_dis_main, &other);
	assert_int_equal(other.ret, 0);
	t_close(fd2);
}

#define FD_TEST(f)	T_REMOTE_FD_TEST(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FD_TEST(test_c080_global_handle_section),
		FD_TEST(test_c081_common_handle_worker),
		FD_TEST(test_c082_fork_inherits_common_handle),
		FD_TEST(test_c082_child_section_reaches_parent),
		FD_TEST(test_c082_child_section_after_parent_disable),
		FD_TEST(test_c083_unregistered_handle),
		FD_TEST(test_c084_invalid_handle_warns),
		FD_TEST(test_c085_sequential_sections),
		FD_TEST(test_c086_concurrent_sections),
		FD_TEST(test_c087_pc_truncation),
		FD_TEST(test_c088_cmp_partial_record),
		FD_TEST(test_c089_corrupt_counter),
		FD_TEST(test_c090_tiny_area_size),
		FD_TEST(test_c091_pool_reuse),
		FD_TEST(test_c092_cmp_remote),
		FD_TEST(test_c093_disable_race),
		FD_TEST(test_c093_child_section_in_flight_at_disable),
		FD_TEST(test_c094_disable_reenable_race),
		cmocka_unit_test_setup_teardown(test_c095_close_race, t_remote_setup,
						t_teardown),
		FD_TEST(test_c096_owner_exit),
	};

	return cmocka_run_group_tests_name("spec 8.9 remote collection", tests,
					   NULL, NULL);
}
