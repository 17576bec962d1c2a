/* SPDX-License-Identifier: MIT */
/*
 * Remote coverage under load: many threads running sections at once, and
 * sections racing an owner that keeps disabling and re-enabling. Meant to
 * be run under TSan as well. Workers count; the main thread asserts.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <unistd.h>

#include "helpers.h"


/* ---- N threads x M one-PC sections ------------------------------------- */

#define N_THREADS	8
#define M_SECTIONS	2000
#define EXACT_WORDS	32768	/* > N * M + 1 */
#define EXACT_AREA	3	/* a size no other test here uses */
#define COMMON		0x5157ull

struct exact {
	pthread_barrier_t	*go;
	int			use_common;
	uint64_t		handle;		/* USB handle, or the inherited one */
	long			sections;
};

static void *exact_main(void *p)
{
	struct exact *e = p;

	/* Threads of the owner carry its common handle (spec 5.4). */
	if (e->use_common)
		e->handle = kcov_common_handle();
	pthread_barrier_wait(e->go);
	for (int i = 0; i < M_SECTIONS; i++) {
		kcov_remote_start(e->handle);
		t_pc_z();
		kcov_remote_stop();
		e->sections++;
	}
	return NULL;
}

/* 8 threads x 2000 one-PC sections: exactly 16000 PCs from one site. */
static void test_stress_exact_count(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, EXACT_WORDS), n, bad = 0;
	uint64_t h[N_THREADS / 2];
	struct exact e[N_THREADS];
	KCOV_SIM_OUT(kcov_sim_pool_stats, s0);
	KCOV_SIM_OUT(kcov_sim_pool_stats, s1);
	KCOV_SIM_OUT(kcov_sim_dev_info, info);
	pthread_barrier_t go;
	pthread_t id[N_THREADS];

	for (int i = 0; i < N_THREADS / 2; i++)
		h[i] = USB(5000 + i);
	assert_int_equal(t_ren(fd, KCOV_TRACE_PC, EXACT_AREA, COMMON, h,
			     N_THREADS / 2), 0);
	T_WRITE(a[0], 0);
	s0 = t_pool();
	pthread_barrier_init(&go, NULL, N_THREADS);
	for (int i = 0; i < N_THREADS; i++) {
		e[i] = (struct exact){ &go, i % 2, h[i / 2], 0 };
		assert_int_equal(pthread_create(&id[i], NULL, exact_main, &e[i]), 0);
	}
	for (int i = 0; i < N_THREADS; i++)
		pthread_join(id[i], NULL);
	pthread_barrier_destroy(&go);
	s1 = t_pool();

	for (int i = 0; i < N_THREADS; i++) {
		assert_int_equal(e[i].sections, M_SECTIONS);
		assert_int_equal(e[i].handle, i % 2 ? COMMON : h[i / 2]);
	}
	n = T_READ(a[0]);
	assert_int_equal(n, N_THREADS * M_SECTIONS);
	for (unsigned long i = 1; i <= n; i++)
		bad += !t_pc_is(a[i], t_pc_z);
	assert_int_equal(bad, 0);
	assert_int_equal(a[n + 1], 0);
	assert_int_equal(s1.sections, 0);
	assert_true(s1.allocs - s0.allocs <= N_THREADS);
	assert_int_equal((s1.allocs - s0.allocs) + (s1.reuses - s0.reuses),
			 N_THREADS * M_SECTIONS);
	assert_int_equal(kcov_sim_dev_info(fd, &info), 0);
	assert_int_equal(info.refcount, 2);	/* file + owner */
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, EXACT_WORDS * sizeof(unsigned long));
}

/* ---- sections vs. DISABLE/REMOTE_ENABLE churn -------------------------- */

#define CHURN_THREADS	6
#define CHURN_ROUNDS	300
#define CHURN_WORDS	65536

struct churn {
	pthread_barrier_t	go;
	atomic_int		stop;
	atomic_long		done;
};

struct churn_thread {
	struct churn	*c;
	uint64_t	handle;
	unsigned int	seed;
	long		sections;
};

/*
 * A section is one PC at x, one cmp4(seq, 0x77) at t_cmp4_site, then 0-2
 * PCs at y. In a PC round the device keeps x y{0,2}; in a CMP round one
 * record. A section begun in one round and delivered in the next would
 * show up as the wrong kind of data.
 */
static void *churn_main(void *p)
{
	struct churn_thread *ct = p;
	struct churn *c = ct->c;

	pthread_barrier_wait(&c->go);
	while (!atomic_load(&c->stop)) {
		int ys = (int)(rand_r(&ct->seed) % 3);

		kcov_remote_start(ct->handle);
		t_pc_x();
		t_cmp4_site((uint32_t)ct->sections, 0x77);
		for (int i = 0; i < ys; i++)
			t_pc_y();
		kcov_remote_stop();
		ct->sections++;
		atomic_fetch_add(&c->done, 1);
	}
	return NULL;
}

static void wait_sections(struct churn *c, long n)
{
	long target = atomic_load(&c->done) + n;

	while (atomic_load(&c->done) < target)
		sched_yield();
}

/* PC round: whole sections only, runs of x y{0,2}; a full buffer may cut
 * the last one short. */
static int pc_runs_ok(const unsigned long *a, unsigned long n)
{
	int ys = 0;

	if (n >= CHURN_WORDS)
		return 0;
	for (unsigned long i = 1; i <= n; i++) {
		if (t_pc_is(a[i], t_pc_x))
			ys = 0;
		else if (i == 1 || !t_pc_is(a[i], t_pc_y) || ++ys > 2)
			return 0;
	}
	return 1;
}

/* CMP round: n records, each the one comparison of a section. */
static int cmp_records_ok(const unsigned long *a, unsigned long n)
{
	if (n > (CHURN_WORDS - 1) / 4)
		return 0;
	for (unsigned long i = 0; i < n; i++) {
		const unsigned long *r = &a[1 + 4 * i];

		if (r[0] != KCOV_CMP_SIZE(2) || r[2] != 0x77 ||
		    !t_pc_is(r[3], (void (*)(void))t_cmp4_site))
			return 0;
	}
	return 1;
}

/* Sections vs PC/CMP DIS/REN rounds: no late or foreign entries. */
static void test_stress_churn(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, CHURN_WORDS);
	uint64_t h[3] = { USB(6001), USB(6002), USB(6003) };
	struct churn c = { .stop = 0 };
	struct churn_thread ct[CHURN_THREADS];
	pthread_t id[CHURN_THREADS];
	long ren_bad = 0, dis_bad = 0, late = 0, torn = 0, delivered = 0;
	struct kcov_sim_pool_stats s0 = t_pool(), s1;
	KCOV_SIM_OUT(kcov_sim_dev_info, info);

	pthread_barrier_init(&c.go, NULL, CHURN_THREADS + 1);
	for (int i = 0; i < CHURN_THREADS; i++) {
		ct[i] = (struct churn_thread){ &c, h[i % 3], (unsigned int)i + 1, 0 };
		assert_int_equal(pthread_create(&id[i], NULL, churn_main, &ct[i]), 0);
	}
	pthread_barrier_wait(&c.go);
	for (int r = 0; r < CHURN_ROUNDS; r++) {
		unsigned long before, after;
		uint32_t mode;

		T_WRITE(a[0], 0);
		/* Alternate modes, and sizes so the pool serves two lists. */
		mode = r % 2 ? KCOV_TRACE_CMP : KCOV_TRACE_PC;
		if (t_ren(fd, mode, r % 2 ? 8 : 64, 0, h, 3))
			ren_bad++;
		wait_sections(&c, r % 4);
		if (t_ioctl(fd, KCOV_DISABLE, 0))
			dis_bad++;
		before = T_READ(a[0]);
		wait_sections(&c, CHURN_THREADS);
		after = T_READ(a[0]);
		late += after != before;
		torn += mode == KCOV_TRACE_PC ? !pc_runs_ok(a, after)
					      : !cmp_records_ok(a, after);
		delivered += after;
	}
	atomic_store(&c.stop, 1);
	for (int i = 0; i < CHURN_THREADS; i++)
		pthread_join(id[i], NULL);
	pthread_barrier_destroy(&c.go);
	s1 = t_pool();

	assert_int_equal(ren_bad, 0);
	assert_int_equal(dis_bad, 0);
	assert_int_equal(late, 0);
	assert_int_equal(torn, 0);
	assert_true(delivered > 0);
	for (int i = 0; i < CHURN_THREADS; i++)
		assert_true(ct[i].sections > 0);
	assert_int_equal(s1.sections, 0);
	assert_int_equal(s1.handles, s0.handles);
	assert_int_equal(kcov_sim_dev_info(fd, &info), 0);
	assert_int_equal(info.refcount, 1);
	assert_int_equal(info.mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(info.nr_handles, 0);
	t_munmap(a, CHURN_WORDS * sizeof(unsigned long));
}

#define FD_TEST(f) cmocka_unit_test_setup_teardown(f, t_fd_setup, t_fd_teardown)

/*
 * Issue 13 #2: a thread of the owner's process and a forked child each
 * run FORK_SECTIONS sections of 3 PCs into one device; the buffer holds
 * every entry of both (on Linux both take the same kcov->lock).
 */
#define FORK_SECTIONS	20000

static void sections_of_3(uint64_t handle, int n)
{
	for (int i = 0; i < n; i++) {
		kcov_remote_start(handle);
		t_pc_x();
		t_pc_y();
		t_pc_z();
		kcov_remote_stop();
	}
}

static long parent_sections(void *arg)
{
	sections_of_3(*(uint64_t *)arg, FORK_SECTIONS);
	return 0;
}

static void test_stress_fork_sections_exact(void **state)
{
	/* Room for both, in whole pages (a mapping needs them, spec 2.4). */
	const unsigned long words = (2 * 3 * FORK_SECTIONS + 1 + 511) & ~511ul;
	int fd = t_fd(state), go[2];
	unsigned long *a = t_init_map(fd, words);
	uint64_t h = USB(0x5000);
	pid_t pid;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(t_ren(fd, KCOV_TRACE_PC, 16, 0, &h, 1), 0);
	T_WRITE(a[0], 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (t_pipe_recv(go[0]))
			_exit(64);
		sections_of_3(h, FORK_SECTIONS);
		_exit(0);
	}
	assert_int_equal(t_pipe_send(go[1]), 0);
	t_in_thread(parent_sections, &h);
	assert_int_equal(t_child_exit(pid), 0);
	assert_int_equal(T_READ(a[0]), 2 * 3 * FORK_SECTIONS);
	for (unsigned long i = 1; i + 2 <= 2 * 3 * FORK_SECTIONS; i += 3) {
		assert_true(t_pc_is(a[i], t_pc_x));
		assert_true(t_pc_is(a[i + 2], t_pc_z));
	}
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	close(go[0]);
	close(go[1]);
	t_munmap(a, words * sizeof(unsigned long));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FD_TEST(test_stress_exact_count),
		FD_TEST(test_stress_churn),
		FD_TEST(test_stress_fork_sections_exact),
	};

	return cmocka_run_group_tests_name("stress remote", tests, NULL, NULL);
}
