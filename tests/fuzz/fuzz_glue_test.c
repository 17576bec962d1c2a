/* SPDX-License-Identifier: MIT */
/*
 * Description: libkcov-sim-fuzz's glue (lib/fuzz/glue.c): lanes, one input
 * under KCOV, remote sections of worker threads, runners, lazy setup after
 * fork, edges. Carriers record what they saw; the main thread asserts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kcov-sim/fuzz.h>
#include <kcov-sim/kernel.h>

#include "planted.h"

#if defined(__SANITIZE_THREAD__)
#define KSIM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KSIM_TSAN 1
#endif
#endif
#ifndef KSIM_TSAN
#define KSIM_TSAN 0
#endif

static const uint8_t plain[10] = "abcdefghij";
/* Passes the local magic's 4-byte compare, not its 2-byte one. */
static const uint8_t half[10] = { 'x', 'y', 'K', 'C', 'O', 'V', 'z', 'z', 0, 0 };

static int h_local(const uint8_t *d, size_t n)
{
	planted_local(d, n);
	return 7;
}

static void *remote_worker(void *arg)
{
	uint64_t *h = arg;

	*h = kcov_common_handle();
	kcov_remote_start_common(*h);
	planted_remote_work(plain, sizeof(plain));
	kcov_remote_stop();
	return NULL;
}

/* One worker per input, joined: the remote harness's shape. */
static uint64_t worker_handle;

static int h_remote(const uint8_t *d, size_t n)
{
	pthread_t t;

	(void)d;
	(void)n;
	if (pthread_create(&t, NULL, remote_worker, &worker_handle))
		return -1;
	pthread_join(t, NULL);
	return 0;
}

struct seen {
	int		err, ret, err2;
	size_t		nr_local, nr_remote, nr_local2, nr_remote2;
	unsigned int	mode;
	uint64_t	handle;
	int		overflow;
};

static struct kcov_sim_fuzz_opts pc_opts = { .sz = sizeof(pc_opts),
					     .mode = KCOV_TRACE_PC };

/* ---- one input ---------------------------------------------------------- */

static int run_local(void *arg)
{
	struct seen *s = arg;
	struct kcov_sim_fuzz_trace t;

	s->err = kcov_sim_fuzz_run(h_local, plain, sizeof(plain), &t, &s->ret);
	s->nr_local = t.nr_local;
	s->nr_remote = t.nr_remote;
	s->mode = t.mode;
	s->overflow = t.overflow;
	/* The same input again: the counters start from 0 each time. */
	s->err2 = kcov_sim_fuzz_run(h_local, plain, sizeof(plain), &t, NULL);
	s->nr_local2 = t.nr_local;
	return 42;
}

/* A carrier sees its own PCs, reset for every input; spawn returns fn's. */
static void test_run_collects_local_pcs(void **state)
{
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(kcov_sim_fuzz_spawn(&pc_opts, run_local, &s), 42);
	assert_int_equal(s.err, 0);
	assert_int_equal(s.ret, 7);
	assert_int_equal(s.mode, KCOV_TRACE_PC);
	assert_true(s.nr_local > 0);
	assert_int_equal(s.nr_remote, 0);
	assert_false(s.overflow);
	assert_int_equal(s.err2, 0);
	assert_int_equal(s.nr_local2, s.nr_local);
}

static int run_remote(void *arg)
{
	struct seen *s = arg;
	struct kcov_sim_fuzz_trace t;
	int i;

	s->handle = kcov_sim_fuzz_handle();
	s->err = kcov_sim_fuzz_run(h_remote, plain, sizeof(plain), &t, NULL);
	s->nr_local = t.nr_local;
	s->nr_remote = t.nr_remote;
	/* Many inputs later the handle still works: nobody disabled. */
	for (i = 0; i < 100 && !s->err2; i++)
		s->err2 = kcov_sim_fuzz_run(h_remote, plain, sizeof(plain), &t,
					    NULL);
	s->nr_remote2 = t.nr_remote;
	return 0;
}

/* A worker's remote section with the inherited handle lands in @remote. */
static void test_worker_section_lands_in_remote(void **state)
{
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(kcov_sim_fuzz_spawn(&pc_opts, run_remote, &s), 0);
	assert_int_equal(s.err, 0);
	assert_int_not_equal(s.handle, 0);
	assert_int_equal(worker_handle, s.handle);
	assert_true(s.nr_remote > 0);
	assert_int_equal(s.err2, 0);
	assert_int_equal(s.nr_remote2, s.nr_remote);
}

static int run_no_remote(void *arg)
{
	struct seen *s = arg;
	struct kcov_sim_fuzz_trace t;

	s->handle = kcov_sim_fuzz_handle();
	s->err = kcov_sim_fuzz_run(h_remote, plain, sizeof(plain), &t, NULL);
	s->nr_remote = t.nr_remote;
	return 0;
}

/* KCOV_SIM_FUZZ_NO_REMOTE: no handle, no remote buffer. */
static void test_no_remote_lane_has_no_handle(void **state)
{
	struct kcov_sim_fuzz_opts o = { .sz = sizeof(o), .mode = KCOV_TRACE_PC,
					.flags = KCOV_SIM_FUZZ_NO_REMOTE };
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(kcov_sim_fuzz_spawn(&o, run_no_remote, &s), 0);
	assert_int_equal(s.err, 0);
	assert_int_equal(s.handle, 0);
	assert_int_equal(s.nr_remote, 0);
}

/* Misuse: the kernel's errnos, errno untouched. */
static void test_misuse_errnos(void **state)
{
	struct kcov_sim_fuzz_opts bad = { .sz = sizeof(bad), .mode = 7 };
	struct kcov_sim_fuzz_trace t;
	struct kcov_sim_fuzz_runner *r;
	uint8_t c[3];

	(void)state;
	errno = 0;
	assert_int_equal(kcov_sim_fuzz_spawn(&pc_opts, NULL, NULL), -EFAULT);
	assert_int_equal(kcov_sim_fuzz_spawn(&bad, run_local, NULL), -EINVAL);
	assert_int_equal(kcov_sim_fuzz_runner_new(&bad, &r), -EINVAL);
	assert_int_equal(kcov_sim_fuzz_end(NULL), -EFAULT);
	/* This thread never began an input. */
	assert_int_equal(kcov_sim_fuzz_end(&t), -EINVAL);
	t.mode = KCOV_TRACE_PC;
	t.nr_local = t.nr_remote = 0;
	assert_int_equal(kcov_sim_fuzz_count_edges(&t, c, 3, NULL), -EINVAL);
	t.mode = KCOV_TRACE_CMP;
	assert_int_equal(kcov_sim_fuzz_count_edges(&t, c, 2, NULL), -EINVAL);
	assert_int_equal(errno, 0);
}

/* ---- runners ------------------------------------------------------------ */

static int run_cmp(void *arg)
{
	struct seen *s = arg;
	struct kcov_sim_fuzz_runner *r;
	struct kcov_sim_fuzz_trace t;
	const struct kcov_sim_fuzz_cmp *c;
	size_t i;

	s->err = kcov_sim_fuzz_runner_new(NULL, &r);
	if (s->err)
		return 0;
	s->err = kcov_sim_fuzz_runner_run(r, h_local, half, sizeof(half), &t,
					  &s->ret);
	s->mode = t.mode;
	c = kcov_sim_fuzz_cmps(t.local);
	/*
	 * The 2-byte magic compare: constant first, the input's "zz" (as a
	 * 4-byte compare of the promoted values, unoptimised).
	 */
	for (i = 0; i < t.nr_local; i++)
		if (KCOV_SIM_FUZZ_CMP_BYTES(c[i].type) <= 4 &&
		    KCOV_SIM_FUZZ_CMP_IS_CONST(c[i].type) &&
		    c[i].arg1 == 0x2131 && c[i].arg2 == 0x7a7a)
			s->nr_local++;
	s->err2 = kcov_sim_fuzz_runner_run(r, h_remote, plain, sizeof(plain),
					   &t, NULL);
	s->nr_remote = t.nr_remote;
	kcov_sim_fuzz_runner_free(r);
	return 0;
}

/* A TRACE_CMP runner: both operands, size and const flag; remote too. */
static void test_runner_records_comparisons(void **state)
{
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(kcov_sim_fuzz_spawn(&pc_opts, run_cmp, &s), 0);
	assert_int_equal(s.err, 0);
	assert_int_equal(s.ret, 7);
	assert_int_equal(s.mode, KCOV_TRACE_CMP);
	assert_int_equal(s.nr_local, 1);
	assert_int_equal(s.err2, 0);
	assert_true(s.nr_remote > 0);
}

/* ---- fork --------------------------------------------------------------- */

/*
 * In a forked child (a fork server's), the first input sets up a device of
 * the child's own; sections of the child's workers still reach the remote
 * device of the parent's owner; a runner made in the parent is made anew.
 */
static int run_fork(void *arg)
{
	struct seen *s = arg;
	struct kcov_sim_fuzz_runner *r = NULL;
	struct kcov_sim_fuzz_trace t;
	int status;
	pid_t pid;

	s->err = kcov_sim_fuzz_run(h_local, plain, sizeof(plain), &t, NULL);
	s->nr_local = t.nr_local;
	if (!s->err)
		s->err = kcov_sim_fuzz_runner_new(NULL, &r);
	if (s->err)
		return 0;
	pid = fork();
	if (!pid) {
		int code = 0;

		if (kcov_sim_fuzz_run(h_local, plain, sizeof(plain), &t, NULL) ||
		    t.nr_local != s->nr_local)
			code |= 1;
		if (kcov_sim_fuzz_run(h_remote, plain, sizeof(plain), &t, NULL) ||
		    !t.nr_remote)
			code |= 2;
		if (kcov_sim_fuzz_runner_run(r, h_local, half, sizeof(half), &t,
					     NULL) || !t.nr_local)
			code |= 4;
		_exit(code);
	}
	waitpid(pid, &status, 0);
	s->ret = WIFEXITED(status) ? WEXITSTATUS(status) : 100;
	/* The parent's device is still its own. */
	s->err2 = kcov_sim_fuzz_run(h_local, plain, sizeof(plain), &t, NULL);
	s->nr_local2 = t.nr_local;
	kcov_sim_fuzz_runner_free(r);
	return 0;
}

static void test_lazy_setup_after_fork(void **state)
{
	struct seen s = { 0 };

	(void)state;
	/* TSan cannot start threads in the child of a threaded process. */
	if (KSIM_TSAN)
		skip();
	assert_int_equal(kcov_sim_fuzz_spawn(&pc_opts, run_fork, &s), 0);
	assert_int_equal(s.err, 0);
	assert_int_equal(s.ret, 0);	/* bits: local, remote, runner */
	assert_int_equal(s.err2, 0);
	assert_int_equal(s.nr_local2, s.nr_local);
}

/* ---- signals ------------------------------------------------------------ */

static pthread_t alarm_thread;
static volatile int alarm_seen;

static void on_alarm(int sig)
{
	(void)sig;
	alarm_thread = pthread_self();
	alarm_seen = 1;
}

static int run_alarm(void *arg)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	pthread_t *carrier = arg;
	int i;

	*carrier = pthread_self();
	sigaction(SIGALRM, &sa, NULL);
	kill(getpid(), SIGALRM);
	for (i = 0; i < 2000 && !alarm_seen; i++)
		usleep(1000);
	signal(SIGALRM, SIG_DFL);
	return 0;
}

/* A process-directed SIGALRM reaches the carrier, not the waiting threads. */
static void test_async_signal_reaches_carrier(void **state)
{
	pthread_t carrier;

	(void)state;
	assert_int_equal(kcov_sim_fuzz_spawn(&pc_opts, run_alarm, &carrier), 0);
	assert_true(alarm_seen);
	assert_true(pthread_equal(alarm_thread, carrier));
}

/* ---- edges -------------------------------------------------------------- */

static int run_edges(void *arg)
{
	struct seen *s = arg;
	struct kcov_sim_fuzz_trace t;
	static uint8_t ctr[1024];
	static uint64_t seen[1024 / 64];
	size_t i, sum = 0;

	s->err = kcov_sim_fuzz_run(h_local, plain, sizeof(plain), &t, NULL);
	s->ret = (int)kcov_sim_fuzz_count_edges(&t, ctr, sizeof(ctr), seen);
	s->nr_local = t.nr_local;
	for (i = 0; i < sizeof(ctr); i++)
		sum += ctr[i];
	s->nr_local2 = sum;
	kcov_sim_fuzz_run(h_local, plain, sizeof(plain), &t, NULL);
	s->err2 = (int)kcov_sim_fuzz_count_edges(&t, ctr, sizeof(ctr), seen);
	kcov_sim_fuzz_run(h_local, half, sizeof(half), &t, NULL);
	s->nr_remote = (size_t)kcov_sim_fuzz_count_edges(&t, ctr, sizeof(ctr),
							 seen);
	return 0;
}

/* One count per PC; new edges once; another path, new edges again. */
static void test_count_edges_counts_new_once(void **state)
{
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(kcov_sim_fuzz_spawn(&pc_opts, run_edges, &s), 0);
	assert_int_equal(s.err, 0);
	assert_true(s.ret > 0);
	assert_int_equal(s.nr_local2, s.nr_local);
	assert_int_equal(s.err2, 0);
	assert_true(s.nr_remote > 0);
}

/* The statically linked hook's call sites are found in planted.c. */
static void test_pc_sites_finds_instrumented_code(void **state)
{
	(void)state;
	assert_true(kcov_sim_fuzz_pc_sites() >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_collects_local_pcs),
		cmocka_unit_test(test_worker_section_lands_in_remote),
		cmocka_unit_test(test_no_remote_lane_has_no_handle),
		cmocka_unit_test(test_misuse_errnos),
		cmocka_unit_test(test_runner_records_comparisons),
		cmocka_unit_test(test_lazy_setup_after_fork),
		cmocka_unit_test(test_async_signal_reaches_carrier),
		cmocka_unit_test(test_count_edges_counts_new_once),
		cmocka_unit_test(test_pc_sites_finds_instrumented_code),
	};

	return cmocka_run_group_tests_name("libkcov-sim-fuzz glue", tests,
					   NULL, NULL);
}
