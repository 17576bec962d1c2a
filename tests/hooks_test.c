/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/hooks.c: the gate for every task mode, the
 * counter-first append seen from signal handlers, the extra float hooks,
 * and the exact PC and CMP capacities.
 */
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "helpers.h"

#define WORDS	512ul
#define LEN	(WORDS * sizeof(unsigned long))
#define TASK_MODE_REMOTE	4	/* P-2025 KCOV_MODE_REMOTE */

/* GCC emits these for float compares; the kernel has no such hooks. */
void __sanitizer_cov_trace_cmpf(float, float);
void __sanitizer_cov_trace_cmpd(double, double);

/* One call of every hook that records something in some mode. */
static void call_every_hook(void)
{
	uint64_t cases[] = { 2, 64, 1, 2 };

	t_pc_x();
	__sanitizer_cov_trace_cmp1(1, 2);
	__sanitizer_cov_trace_cmp2(1, 2);
	__sanitizer_cov_trace_cmp4(1, 2);
	__sanitizer_cov_trace_cmp8(1, 2);
	__sanitizer_cov_trace_const_cmp1(1, 2);
	__sanitizer_cov_trace_const_cmp2(1, 2);
	__sanitizer_cov_trace_const_cmp4(1, 2);
	__sanitizer_cov_trace_const_cmp8(1, 2);
	__sanitizer_cov_trace_switch(1, cases);
	__sanitizer_cov_trace_cmpf(1.0f, 2.0f);
	__sanitizer_cov_trace_cmpd(1.0, 2.0);
}

static void assert_all_zero(const unsigned long *a, unsigned long words)
{
	for (unsigned long i = 0; i < words; i++)
		assert_int_equal(a[i], 0);
}

/* Gate, mode DISABLED: a thread whose device is only INIT records nothing. */
static void test_gate_disabled_task(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, WORDS);
	KCOV_SIM_OUT(kcov_sim_task_info, ti);

	kcov_sim_task_info(&ti);
	assert_int_equal(ti.kcov_mode, KCOV_SIM_MODE_DISABLED);
	call_every_hook();
	assert_all_zero(a, WORDS);
	assert_int_equal(t_munmap(a, LEN), 0);
}

/* Gate, the other trace mode: TRACE_PC ignores comparisons, TRACE_CMP PCs. */
static void test_gate_other_mode(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, WORDS);
	uint64_t cases[] = { 1, 32, 5 };

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	call_every_hook();
	/* Only t_pc_x() of call_every_hook() counted. */
	assert_int_equal(a[0], 1);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_int_equal(a[2], 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);

	T_WRITE(a[0], 0);
	a[1] = 0;
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_CMP), 0);
	t_pc_x();
	t_pc_y();
	assert_int_equal(a[0], 0);
	__sanitizer_cov_trace_switch(5, cases);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 1);
	assert_int_equal(a[1], KCOV_CMP_CONST | KCOV_CMP_SIZE(2));
	assert_int_equal(t_munmap(a, LEN), 0);
}

/* Gate, mode REMOTE (P-2025): the remote owner's own hooks record nothing. */
static void test_gate_remote_owner(void **state)
{
	struct kcov_remote_arg arg = { .trace_mode = KCOV_TRACE_PC,
				       .area_size = 64 };
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, WORDS);
	KCOV_SIM_OUT(kcov_sim_task_info, ti);

	t_profile_only("P-2025", "linux-6.1", "linux-6.12", NULL);
	assert_int_equal(t_ioctl(fd, KCOV_REMOTE_ENABLE, (unsigned long)&arg), 0);
	kcov_sim_task_info(&ti);
	assert_int_equal(ti.kcov_mode, TASK_MODE_REMOTE);
	assert_int_equal(ti.attached, 1);
	call_every_hook();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_all_zero(a, WORDS);
	assert_int_equal(t_munmap(a, LEN), 0);
}

/* Gate, KCOV_IN_CTXSW set on either trace mode: exact compare fails. */
static void test_gate_ctxsw_bit(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, WORDS);
	KCOV_SIM_OUT(kcov_sim_task_info, ti);

	for (unsigned long mode = KCOV_TRACE_PC; mode <= KCOV_TRACE_CMP; mode++) {
		assert_int_equal(t_ioctl(fd, KCOV_ENABLE, mode), 0);
		kcov_sim_ctxsw_begin();
		kcov_sim_task_info(&ti);
		assert_int_equal(ti.kcov_mode, KCOV_SIM_MODE_TRACE_PC + mode);
		assert_int_equal(ti.in_ctxsw, 1);
		call_every_hook();
		kcov_sim_ctxsw_end();
		kcov_sim_task_info(&ti);
		assert_int_equal(ti.kcov_mode, KCOV_SIM_MODE_TRACE_PC + mode);
		assert_int_equal(ti.in_ctxsw, 0);
		assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	}
	assert_all_zero(a, WORDS);
	assert_int_equal(t_munmap(a, LEN), 0);
}

/* The float hooks exist and record nothing in either mode. */
static void test_cmpf_cmpd_record_nothing(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, WORDS);

	for (unsigned long mode = KCOV_TRACE_PC; mode <= KCOV_TRACE_CMP; mode++) {
		assert_int_equal(t_ioctl(fd, KCOV_ENABLE, mode), 0);
		__sanitizer_cov_trace_cmpf(1.5f, -2.0f);
		__sanitizer_cov_trace_cmpd(3.25, 3.25);
		assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	}
	assert_all_zero(a, WORDS);
	assert_int_equal(t_munmap(a, LEN), 0);
}

/* A switch with no cases records nothing, whatever its width. */
static void test_switch_zero_cases(void **state)
{
	static const uint64_t widths[] = { 8, 16, 32, 64 };
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, WORDS);
	uint64_t cases[2] = { 0, 0 };

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_CMP), 0);
	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		cases[1] = widths[i];
		__sanitizer_cov_trace_switch(0, cases);
	}
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_all_zero(a, WORDS);
	assert_int_equal(t_munmap(a, LEN), 0);
}

/*
 * Switch records are written in 16-byte pairs (hooks.c): for every case
 * count and start position, and at the capacity limit, each record is
 * exact and no word outside the reserved records changes.
 */
#define SENTINEL 0x5a5a5a5a5a5a5a5aul
#define REC_WORDS 4ul	/* type, arg1, arg2, ip */

static void check_switch(unsigned long *a, uint64_t start, uint64_t n,
			 uint64_t room)
{
	uint64_t cases[2 + 8] = { n, 16 }, got, i, w;

	for (i = 0; i < n; i++)
		cases[2 + i] = 0x100 + i;
	for (w = 1; w < WORDS; w++)
		a[w] = SENTINEL;
	T_WRITE(a[0], start);
	__sanitizer_cov_trace_switch(0x77, cases);
	got = n < room - start ? n : room - start;
	assert_int_equal(a[0], start + got);
	for (w = 1; w < WORDS; w++) {
		uint64_t rec = (w - 1) / REC_WORDS - start;
		uint64_t field = (w - 1) % REC_WORDS;

		if (w < 1 + start * REC_WORDS || rec >= got) {
			assert_int_equal(a[w], SENTINEL);
			continue;
		}
		if (field == 0)
			assert_int_equal(a[w], KCOV_CMP_CONST | KCOV_CMP_SIZE(1));
		else if (field == 1)
			assert_int_equal(a[w], 0x100 + rec);
		else if (field == 2)
			assert_int_equal(a[w], 0x77);
		else	/* one call site: one PC for every record */
			assert_int_equal(a[w], a[4 + start * REC_WORDS]);
	}
}

static void test_switch_records_exact(void **state)
{
	const uint64_t room = (WORDS - 1) / REC_WORDS;
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, WORDS);

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_CMP), 0);
	for (uint64_t n = 1; n <= 8; n++) {
		for (uint64_t start = 0; start < 3; start++)
			check_switch(a, start, n, room);
		check_switch(a, room - 3, n, room);	/* truncated */
	}
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(t_munmap(a, LEN), 0);
}

/* ---- counter first (spec 4.3, 6.2 #13) --------------------------------- */

static volatile sig_atomic_t handled;

static void pc_handler(int sig)
{
	(void)sig;
	t_pc_z();
	handled++;
}

static void install(int sig, struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pc_handler;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(sig, &sa, old), 0);
}

/* Lesson 13: hooks run by a signal handler between PCs take the next slots;
 * the count equals the number of hooks called. */
static void test_lesson13_signal_between_pcs(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, WORDS);
	struct sigaction old;

	install(SIGUSR1, &old);
	handled = 0;
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	T_WRITE(a[0], 0);
	t_pc_x();
	raise(SIGUSR1);
	t_pc_y();
	raise(SIGUSR1);
	t_pc_x();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(sigaction(SIGUSR1, &old, NULL), 0);
	assert_int_equal(handled, 2);
	assert_int_equal(a[0], 5);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_true(t_pc_is(a[2], t_pc_z));
	assert_true(t_pc_is(a[3], t_pc_y));
	assert_true(t_pc_is(a[4], t_pc_z));
	assert_true(t_pc_is(a[5], t_pc_x));
	assert_int_equal(a[6], 0);
	assert_int_equal(t_munmap(a, LEN), 0);
}

#define STORM_WORDS	(1ul << 16)
#define STORM_NS	300000000L	/* 0.3 s of hooks under a timer */

static long elapsed_ns(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000000000L + (t.tv_nsec - t0->tv_nsec);
}

/*
 * Check one batch with the timer signal blocked, then clear it. A signal
 * between the hook's load of the counter and its store may lose the
 * handler's entry (the kernel has the same window: no atomic RMW); with
 * the counter stored first, the interrupted hook's own entry is never
 * lost and no slot below the counter is left unwritten.
 */
static void storm_check(unsigned long *a, unsigned long main_calls,
			unsigned long irq_calls)
{
	unsigned long n = a[0], x = 0, z = 0;

	for (unsigned long i = 1; i <= n; i++) {
		if (t_pc_is(a[i], t_pc_x))
			x++;
		else if (t_pc_is(a[i], t_pc_z))
			z++;
		a[i] = 0;
	}
	assert_int_equal(x + z, n);		/* no hole, no garbage */
	assert_int_equal(x, main_calls);	/* interrupted hooks keep theirs */
	assert_true(z <= irq_calls);
	a[0] = 0;
}

/* Lesson 13: a timer signal that lands anywhere in a hook, also between
 * the counter and the entry store, never clobbers the interrupted entry. */
static void test_lesson13_signal_storm(void **state)
{
	struct itimerval it = { { 0, 50 }, { 0, 50 } }, off = { { 0, 0 }, { 0, 0 } };
	unsigned long main_calls = 0, irq_base = 0, total_irq;
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, STORM_WORDS);
	struct sigaction old;
	struct timespec t0;
	sigset_t alrm, prev;

	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	install(SIGALRM, &old);
	handled = 0;
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	T_WRITE(a[0], 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	for (;;) {
		t_pc_x();
		main_calls++;
		if (main_calls & 4095)
			continue;
		sigprocmask(SIG_BLOCK, &alrm, &prev);
		storm_check(a, main_calls, (unsigned long)handled - irq_base);
		irq_base = (unsigned long)handled;
		main_calls = 0;
		if (elapsed_ns(&t0) > STORM_NS) {
			setitimer(ITIMER_REAL, &off, NULL);
			break;
		}
		sigprocmask(SIG_SETMASK, &prev, NULL);
	}
	total_irq = (unsigned long)handled;
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	sigprocmask(SIG_SETMASK, &prev, NULL);	/* a pending one lands now */
	assert_int_equal(sigaction(SIGALRM, &old, NULL), 0);
	assert_int_equal(a[0], 0);		/* ... and records nothing */
	/* The timer fired at all: the test exercised the handler path. */
	assert_true(total_irq > 0);
	assert_int_equal(t_munmap(a, STORM_WORDS * sizeof(long)), 0);
}

/* ---- capacities -------------------------------------------------------- */

/* INIT(words) unmapped, enable @mode; the library's view of the buffer. */
static unsigned long *enable_unmapped(int fd, unsigned long words,
				      unsigned long mode)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, info);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, words), 0);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, mode), 0);
	assert_int_equal(kcov_sim_dev_info(fd, &info), 0);
	return info.area;
}

/* Words of the library's view past @words (0 when size*8 fills pages). */
static unsigned long tail_words(unsigned long words)
{
	unsigned long per_page = 4096 / sizeof(unsigned long);

	return (per_page - words % per_page) % per_page;
}

/* TRACE_PC holds exactly size - 1 PCs, for several sizes. */
static void test_pc_capacity(void **state)
{
	static const unsigned long sizes[] = { 2, 3, 4, 511, 512, 513, 1024, 4097 };

	(void)state;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		unsigned long words = sizes[s], *area;
		int fd = t_open();

		assert_true(fd >= 0);
		area = enable_unmapped(fd, words, KCOV_TRACE_PC);
		for (unsigned long i = 0; i < words + 3; i++)
			t_pc_x();
		assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
		assert_int_equal(area[0], words - 1);
		for (unsigned long i = 1; i < words; i++)
			assert_true(t_pc_is(area[i], t_pc_x));
		for (unsigned long i = 0; i < tail_words(words); i++)
			assert_int_equal(area[words + i], 0);
		assert_int_equal(t_close(fd), 0);
	}
}

/* TRACE_CMP holds floor((size - 1) / 4) records, and only whole ones. */
static void test_cmp_capacity(void **state)
{
	static const unsigned long sizes[] = {
		4, 5, 6, 8, 9, 12, 13, 16, 17, 511, 512, 513, 65536
	};

	(void)state;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		unsigned long words = sizes[s], cap = (words - 1) / 4, *area;
		int fd = t_open();

		assert_true(fd >= 0);
		area = enable_unmapped(fd, words, KCOV_TRACE_CMP);
		for (unsigned long i = 0; i < cap + 3; i++)
			__sanitizer_cov_trace_cmp8(i, ~i);
		assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
		assert_int_equal(area[0], cap);
		for (unsigned long k = 0; k < cap; k++) {
			assert_int_equal(area[1 + 4 * k], KCOV_CMP_SIZE(3));
			assert_int_equal(area[2 + 4 * k], k);
			assert_int_equal(area[3 + 4 * k], ~k);
		}
		for (unsigned long i = 1 + 4 * cap; i < words + tail_words(words); i++)
			assert_int_equal(area[i], 0);
		assert_int_equal(t_close(fd), 0);
	}
}

#define FD_TEST(f) cmocka_unit_test_setup_teardown(f, t_fd_setup, t_fd_teardown)
#define TEST(f) cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

static int group_setup(void **state)
{
	(void)state;
	return kcov_sim_set_pc_mode(KCOV_SIM_PC_RAW) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FD_TEST(test_gate_disabled_task),
		FD_TEST(test_gate_other_mode),
		FD_TEST(test_gate_remote_owner),
		FD_TEST(test_gate_ctxsw_bit),
		FD_TEST(test_cmpf_cmpd_record_nothing),
		FD_TEST(test_switch_zero_cases),
		FD_TEST(test_switch_records_exact),
		FD_TEST(test_lesson13_signal_between_pcs),
		FD_TEST(test_lesson13_signal_storm),
		TEST(test_pc_capacity),
		TEST(test_cmp_capacity),
	};

	return cmocka_run_group_tests_name("hooks", tests, group_setup, NULL);
}
