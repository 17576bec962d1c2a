/* SPDX-License-Identifier: MIT */
/*
 * Spec 8.5: __sanitizer_cov_trace_pc(), cases 35-44. Every test gets a
 * fresh fd from t_fd_setup(); PCs come from the t_pc_x/y/z call sites.
 */
#include <limits.h>

#include "helpers.h"

#define WORDS	512ul
#define STALE	0x5a5a000000000000ul	/* marks a word the test wrote */

/* INIT(WORDS), map it, ENABLE(TRACE_PC), reset the counter. */
static unsigned long *enable_pc(int fd)
{
	unsigned long *a = t_init_map(fd, WORDS);

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	T_WRITE(a[0], 0);
	return a;
}

static void fill_stale(unsigned long *a, unsigned long from, unsigned long to)
{
	for (unsigned long i = from; i < to; i++)
		a[i] = STALE + i;
}

static void assert_stale(const unsigned long *a, unsigned long from,
			 unsigned long to)
{
	for (unsigned long i = from; i < to; i++)
		assert_int_equal(a[i], STALE + i);
}

/* 8.5 #35: PC() at X, Y, X -> A[0]=3, A[1..3] = ret(X), ret(Y), ret(X). */
static void test_c035_pcs_in_order(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = enable_pc(fd);

	t_pc_x();
	t_pc_y();
	t_pc_x();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 3);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_true(t_pc_is(a[2], t_pc_y));
	assert_true(t_pc_is(a[3], t_pc_x));
	assert_int_equal(a[1], a[3]);		/* same site, same value */
	assert_int_not_equal(a[1], a[2]);
	assert_int_equal(a[4], 0);
	assert_int_equal(t_munmap(a, WORDS * sizeof(long)), 0);
}

/* 8.5 #36: INIT(4), 5x PC() -> counter 3, first three PCs; rest dropped. */
static void test_c036_capacity_unmappable(void **state)
{
	int fd = t_fd(state);
	KCOV_SIM_OUT(kcov_sim_dev_info, info);
	unsigned long *area;

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 4), 0);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	assert_int_equal(kcov_sim_dev_info(fd, &info), 0);
	assert_int_equal(info.size, 4);
	area = info.area;
	assert_non_null(area);
	t_pc_x();
	t_pc_y();
	t_pc_z();
	t_pc_x();
	t_pc_y();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(area[0], 3);
	assert_true(t_pc_is(area[1], t_pc_x));
	assert_true(t_pc_is(area[2], t_pc_y));
	assert_true(t_pc_is(area[3], t_pc_z));
	/* The page behind the 4 words is the library's: never written. */
	assert_int_equal(area[4], 0);
	assert_int_equal(area[5], 0);
}

/* 8.5 #37: full buffer drops; after A[0]=0 the next PC lands in A[1]. */
static void test_c037_full_then_reset(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = enable_pc(fd);

	fill_stale(a, 1, WORDS);
	T_WRITE(a[0], WORDS - 1);
	t_pc_x();
	assert_int_equal(a[0], WORDS - 1);
	assert_stale(a, 1, WORDS);

	T_WRITE(a[0], 0);
	t_pc_y();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 1);
	assert_true(t_pc_is(a[1], t_pc_y));
	assert_stale(a, 2, WORDS);
	assert_int_equal(t_munmap(a, WORDS * sizeof(long)), 0);
}

/* 8.5 #38: A[0]=ULONG_MAX -> the PC lands in A[0] (wrap quirk), nothing else. */
static void test_c038_counter_wraps(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = enable_pc(fd);

	fill_stale(a, 1, WORDS);
	T_WRITE(a[0], ULONG_MAX);
	t_pc_x();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_true(t_pc_is(a[0], t_pc_x));
	assert_stale(a, 1, WORDS);
	assert_int_equal(t_munmap(a, WORDS * sizeof(long)), 0);
}

static long pcs_on_thread(void *arg)
{
	(void)arg;
	t_pc_x();
	t_pc_y();
	t_pc_z();
	return 0;
}

/* 8.5 #39: a thread that is not enabled changes nothing anywhere. */
static void test_c039_not_enabled(void **state)
{
	int fd = t_fd(state), fd2 = t_open();
	unsigned long *a = t_init_map(fd, WORDS), *b;

	assert_true(fd2 >= 0);
	b = t_init_map(fd2, WORDS);
	/* fd: INIT only; this thread calls the hooks. */
	pcs_on_thread(NULL);
	/* fd2: enabled here; another thread calls the hooks. */
	assert_int_equal(t_ioctl(fd2, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	t_in_thread(pcs_on_thread, NULL);
	for (unsigned long i = 0; i < WORDS; i++) {
		assert_int_equal(a[i], 0);
		assert_int_equal(b[i], 0);
	}
	/* The enabled thread itself still records: the buffers were live. */
	t_pc_x();
	assert_int_equal(t_ioctl(fd2, KCOV_DISABLE, 0), 0);
	assert_int_equal(b[0], 1);
	assert_int_equal(a[0], 0);
	assert_int_equal(t_munmap(a, WORDS * sizeof(long)), 0);
	assert_int_equal(t_munmap(b, WORDS * sizeof(long)), 0);
	assert_int_equal(t_close(fd2), 0);
}

/* 8.5 #40: in TRACE_CMP mode PC() records nothing. */
static void test_c040_cmp_mode_ignores_pc(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, WORDS);

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_CMP), 0);
	T_WRITE(a[0], 0);
	t_pc_x();
	t_pc_y();
	assert_int_equal(a[0], 0);
	assert_int_equal(a[1], 0);
	t_cmp4_site(1, 2);		/* the mode is live */
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 1);
	assert_int_equal(t_munmap(a, WORDS * sizeof(long)), 0);
}

/* Enable, run PC() inside enter()/exit(), then once more in task context. */
static void check_context_blocks(void **state, void (*enter)(void),
				 void (*exit)(void))
{
	int fd = t_fd(state);
	unsigned long *a = enable_pc(fd);

	enter();
	t_pc_x();
	t_pc_y();
	assert_int_equal(a[0], 0);
	exit();
	t_pc_z();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 1);
	assert_true(t_pc_is(a[1], t_pc_z));
	assert_int_equal(a[2], 0);
	assert_int_equal(t_munmap(a, WORDS * sizeof(long)), 0);
}

/* 8.5 #41: PC() in a hardirq records nothing; back in TASK it records. */
static void test_c041_hardirq_blocks(void **state)
{
	check_context_blocks(state, kcov_sim_hardirq_enter, kcov_sim_hardirq_exit);
}

/* 8.5 #41: PC() in an NMI records nothing; back in TASK it records. */
static void test_c041_nmi_blocks(void **state)
{
	check_context_blocks(state, kcov_sim_nmi_enter, kcov_sim_nmi_exit);
}

/* 8.5 #41: PC() in a softirq without a remote section records nothing. */
static void test_c041_softirq_blocks(void **state)
{
	check_context_blocks(state, kcov_sim_softirq_enter, kcov_sim_softirq_exit);
}

static void nested_enter(void)
{
	kcov_sim_softirq_enter();
	kcov_sim_hardirq_enter();
	kcov_sim_nmi_enter();
}

static void nested_exit(void)
{
	kcov_sim_nmi_exit();
	kcov_sim_hardirq_exit();
	kcov_sim_softirq_exit();
}

/* 8.5 #41: NMI in hardirq in softirq: nothing until all are popped. */
static void test_c041_nested_blocks(void **state)
{
	check_context_blocks(state, nested_enter, nested_exit);
}

/* 8.5 #42: with bottom halves disabled the thread is in TASK and records. */
static void test_c042_bh_disabled_records(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = enable_pc(fd);

	kcov_sim_bh_disable();
	t_pc_x();
	kcov_sim_bh_enable();
	t_pc_y();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 2);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_true(t_pc_is(a[2], t_pc_y));
	assert_int_equal(t_munmap(a, WORDS * sizeof(long)), 0);
}

/* 8.5 #43: ctxsw_begin(); PC() -> nothing; ctxsw_end(); PC() -> records. */
static void test_c043_ctxsw_blocks(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = enable_pc(fd);

	kcov_sim_ctxsw_begin();
	t_pc_x();
	assert_int_equal(a[0], 0);
	kcov_sim_ctxsw_end();
	t_pc_y();
	assert_int_equal(a[0], 1);
	assert_true(t_pc_is(a[1], t_pc_y));

	/* The kernel's spelling, with the (ignored) task argument. */
	kcov_prepare_switch(NULL);
	t_pc_z();
	assert_int_equal(a[0], 1);
	kcov_finish_switch(NULL);
	t_pc_x();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 2);
	assert_true(t_pc_is(a[2], t_pc_x));
	assert_int_equal(a[3], 0);
	assert_int_equal(t_munmap(a, WORDS * sizeof(long)), 0);
}

/* 8.5 #44: with bias B the recorded value is the return address - B. */
static void test_c044_pc_bias(void **state)
{
	const uintptr_t bias = 0x123000;
	int fd = t_fd(state);
	unsigned long *a = enable_pc(fd);

	t_pc_x();
	kcov_sim_set_pc_bias(bias);
	t_pc_x();
	t_pc_y();
	kcov_sim_set_pc_bias(0);
	t_pc_x();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 4);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_int_equal(a[1] - a[2], bias);
	assert_true(t_pc_is(a[3] + bias, t_pc_y));
	assert_int_equal(a[4], a[1]);
	assert_int_equal(t_munmap(a, WORDS * sizeof(long)), 0);
}

/* Raw PCs for the whole file; the bias is put back even when a test fails. */
static int group_setup(void **state)
{
	(void)state;
	return kcov_sim_set_pc_mode(KCOV_SIM_PC_RAW) ? -1 : 0;
}

static int bias_teardown(void **state)
{
	kcov_sim_set_pc_bias(0);
	return t_fd_teardown(state);
}

#define FD_TEST(f) cmocka_unit_test_setup_teardown(f, t_fd_setup, t_fd_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FD_TEST(test_c035_pcs_in_order),
		FD_TEST(test_c036_capacity_unmappable),
		FD_TEST(test_c037_full_then_reset),
		FD_TEST(test_c038_counter_wraps),
		FD_TEST(test_c039_not_enabled),
		FD_TEST(test_c040_cmp_mode_ignores_pc),
		FD_TEST(test_c041_hardirq_blocks),
		FD_TEST(test_c041_nmi_blocks),
		FD_TEST(test_c041_softirq_blocks),
		FD_TEST(test_c041_nested_blocks),
		FD_TEST(test_c042_bh_disabled_records),
		FD_TEST(test_c043_ctxsw_blocks),
		cmocka_unit_test_setup_teardown(test_c044_pc_bias, t_fd_setup,
						bias_teardown),
	};

	return cmocka_run_group_tests_name("spec 8.5 PC hook", tests,
					   group_setup, NULL);
}
